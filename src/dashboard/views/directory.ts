import type { Organisation } from '../../directory/organisation';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../auth';
import { csrfField } from './common';

export type ImportResult = { created: number; updated: number; rejected: { line: number; reason: string }[] };

export type DirectoryPage = {
  organisations: readonly Organisation[];
  filter: { type?: string; locality?: string };
  localities: readonly string[];
  user: SessionUser;
  result?: ImportResult;
  importError?: string;
  csv?: string;
};

const option = (value: string, text: string, selected: string | undefined) =>
  html`<option value="${value}"${selected === value ? html` selected` : ''}>${text}</option>`;

function importForm(page: DirectoryPage): Html {
  return html`<h2 id="import">Import contacts (CSV)</h2>
${page.importError ? html`<div class="error-summary" role="alert"><h3>There is a problem</h3><p><a href="#csv">${page.importError}</a></p></div>` : ''}
${
  page.result
    ? html`<div class="panel" role="status"><h3 class="panel-title">Import done</h3><p>${page.result.created} created, ${page.result.updated} updated, ${page.result.rejected.length} rejected.</p>
${
  page.result.rejected.length > 0
    ? html`<table><caption>Rejected rows</caption><thead><tr><th scope="col">Line</th><th scope="col">Reason</th></tr></thead><tbody>${page.result.rejected.map(
        (r) => html`<tr><th scope="row">${r.line}</th><td>${r.reason}</td></tr>`,
      )}</tbody></table>`
    : ''
}</div>`
    : ''
}
<form method="post" action="/dashboard/directory/import">
  ${csrfField(page.user)}
  <div id="csv-file-group" hidden>
    <label for="csv-file">Choose a CSV file</label>
    <p class="hint" id="csv-file-hint">Its text is put into the box below, where you can check it before importing.</p>
    <input type="file" id="csv-file" accept=".csv,text/csv" aria-describedby="csv-file-hint">
  </div>
  <label for="csv">Contacts CSV</label>
  <p class="hint" id="csv-hint">One row a contact, with the header <code>type,id,name,locality,contact_name,contact_email,contact_role,area_alerts</code>. At most 2 MB.</p>
  <textarea id="csv" name="csv" rows="8" spellcheck="false" aria-describedby="csv-hint"${page.importError ? html` aria-invalid="true"` : ''}>${page.csv ?? ''}</textarea>
  <p><button class="button" type="submit">Import contacts</button></p>
</form>
<script src="/assets/import.js" defer></script>`;
}

/** SPEC §8: the directory, filtered by type and locality; admins can import contacts. */
export function directoryView(page: DirectoryPage): Html {
  return html`<h1>Directory</h1>
<form method="get" action="/dashboard/directory" class="filters">
  <div><label for="type">Type</label>
  <select id="type" name="type">${option('', 'All', page.filter.type ?? '')}${option('school', 'Schools', page.filter.type)}${option('gp', 'GP practices', page.filter.type)}</select></div>
  <div><label for="locality">Locality</label>
  <select id="locality" name="locality">${option('', 'All', page.filter.locality ?? '')}${page.localities.map((l) => option(l, l, page.filter.locality))}</select></div>
  <div><button class="button secondary" type="submit">Filter</button></div>
</form>
<table class="directory">
  <caption>${page.organisations.length} ${page.organisations.length === 1 ? 'organisation' : 'organisations'}</caption>
  <thead><tr><th scope="col">Type</th><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Locality</th><th scope="col">Active</th><th scope="col">Area alerts</th><th scope="col">Contacts</th></tr></thead>
  <tbody>${page.organisations.map(
    (o) => html`<tr id="org-${o.type}-${o.id}"><td>${o.type === 'gp' ? 'GP practice' : 'School'}</td><td>${o.id}</td><th scope="row">${o.name}</th><td>${o.locality ?? '–'}</td><td>${o.active ? 'Yes' : html`<strong>No</strong>`}</td><td>${o.receivesAreaAlerts ? 'Yes' : 'No'}</td><td>${o.contacts.filter((c) => c.active).length}</td></tr>`,
  )}</tbody>
</table>
${page.user.role === 'admin' ? importForm(page) : ''}`;
}
