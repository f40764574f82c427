// The directory import form (SPEC §8): the form posts a textarea, so it works without
// JavaScript; with it, a chosen file is read into that textarea.
(function () {
  'use strict';
  var group = document.getElementById('csv-file-group');
  var input = document.getElementById('csv-file');
  var textarea = document.getElementById('csv');
  if (!group || !input || !textarea || !window.FileReader) return;
  group.hidden = false;
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      var hint = document.getElementById('csv-file-hint');
      if (hint) hint.textContent = 'That file is larger than 2 MB: split it and import the parts.';
      input.value = '';
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      textarea.value = String(reader.result || '');
      textarea.focus();
    };
    reader.readAsText(file);
  });
})();
