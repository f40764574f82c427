// The live board (SPEC §8): polls /dashboard/board.json every 5 s and rebuilds the table body
// with DOM calls only (textContent, never innerHTML), announcing changes politely.
(function () {
  'use strict';
  var POLL_MS = 5000;
  var body = document.getElementById('board-body');
  var announcer = document.getElementById('board-announcer');
  var updated = document.getElementById('board-updated');
  if (!body || !announcer || !updated || !window.fetch) return;

  var RISK = { very_low: 'Very low', low: 'Low', medium: 'Medium', high: 'High' };
  var clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  var previous = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function cell(children) {
    var td = el('td');
    children.forEach(function (child) { td.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return td;
  }
  function alarm(count) { return count > 0 ? el('strong', count, 'alarm') : String(count); }
  function flag(count) { return count > 0 ? el('strong', 'Yes (' + count + ')', 'alarm') : 'No'; }

  function row(e) {
    var tr = el('tr');
    var th = el('th');
    th.scope = 'row';
    var link = el('a', e.policeReference);
    link.href = '/dashboard/episodes/' + encodeURIComponent(e.episodeId);
    th.appendChild(link);
    if (e.repeatEpisodes > 0) {
      th.appendChild(document.createTextNode(' '));
      th.appendChild(el('span', 'Repeat: ' + e.repeatEpisodes + ' in 90 days', 'tag repeat'));
    }
    tr.appendChild(th);
    tr.appendChild(cell([el('span', e.risk ? RISK[e.risk] || e.risk : 'Not yet reported', 'tag risk-' + (e.risk || 'none'))]));
    var age = el('time', e.age);
    age.setAttribute('datetime', e.openedAt);
    tr.appendChild(cell([age]));
    tr.appendChild(cell(e.pending > 0 ? [String(e.reached), ' ', el('span', '(' + e.pending + ' pending)', 'hint-inline')] : [String(e.reached)]));
    tr.appendChild(cell([alarm(e.failed)]));
    tr.appendChild(cell([e.acknowledged + ' of ' + e.directAlerts]));
    tr.appendChild(cell([flag(e.unroutable)]));
    tr.appendChild(cell([flag(e.escalated)]));
    return tr;
  }

  function emptyRow() {
    var tr = el('tr');
    var td = el('td', 'No open episodes.');
    td.colSpan = 8;
    tr.appendChild(td);
    return tr;
  }

  /** A sentence for screen readers about what changed; empty when nothing that matters did. */
  function describeChanges(before, after) {
    if (!before) return '';
    var old = {};
    before.forEach(function (e) { old[e.episodeId] = e; });
    var news = [], changed = 0;
    after.forEach(function (e) {
      var o = old[e.episodeId];
      if (!o) news.push(e.policeReference);
      else if (o.reached !== e.reached || o.failed !== e.failed || o.acknowledged !== e.acknowledged || o.escalated !== e.escalated || o.risk !== e.risk || o.unroutable !== e.unroutable || o.repeatEpisodes !== e.repeatEpisodes) changed += 1;
    });
    var closed = before.length - after.filter(function (e) { return old[e.episodeId]; }).length;
    var parts = [];
    if (news.length) parts.push('New episode' + (news.length > 1 ? 's' : '') + ': ' + news.join(', ') + '.');
    if (closed > 0) parts.push(closed + ' closed.');
    if (changed > 0) parts.push(changed + ' updated.');
    return parts.length ? parts.join(' ') + ' ' + after.length + ' open.' : '';
  }

  function render(board) {
    var rows = board.episodes.length ? board.episodes.map(row) : [emptyRow()];
    body.replaceChildren.apply(body, rows);
    var message = describeChanges(previous, board.episodes);
    if (message) announcer.textContent = message;
    previous = board.episodes;
    updated.textContent = 'Updated at ' + clock.format(new Date(board.generatedAt)) + '. This board updates itself every 5 seconds.';
  }

  function poll() {
    fetch('/dashboard/board.json', { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        if (res.status === 401) throw new Error('signed-out');
        if (!res.ok) throw new Error('http ' + res.status);
        return res.json();
      })
      .then(function (board) {
        render(board);
        setTimeout(poll, POLL_MS);
      })
      .catch(function (err) {
        if (err && err.message === 'signed-out') {
          updated.textContent = 'You have been signed out. Reload the page to sign in again.';
          announcer.textContent = 'Signed out: the board no longer updates.';
          return;
        }
        updated.textContent = 'Could not update the board; trying again.';
        setTimeout(poll, POLL_MS);
      });
  }

  updated.textContent = 'This board updates itself every 5 seconds.';
  poll();
})();
