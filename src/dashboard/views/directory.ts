import type { DataQualityEntry } from '../../directory/data-quality.store';
import type { Organisation } from '../../directory/organisation';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../../access/auth';
import { csrfField, time } from './common';

/** A data-quality entry with the contact's name, when the directory still has them active. */
export type ContactToCorrect = DataQualityEntry & { contactName: string | undefined };

const ROLE_LABEL: Record<string, string> = { dsl: 'DSL', deputy: 'Deputy DSL', safeguarding_lead: 'Safeguarding lead', practice_manager: 'Practice manager' };

export type ImportResult = { created: number; updated: number; rejected: { line: number; reason: string }[] };

export type DirectoryPage = {
  organisations: readonly Organisation[];
  /** SPEC §13's data-quality list: contacts whose mail came back. */
  contactsToCorrect: readonly ContactToCorrect[];
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

function contactsToCorrect(entries: readonly ContactToCorrect[]): Html {
  return html`<h2 id="contacts-to-correct">Contacts to correct</h2>
<p>Contacts whose mail came back from their own mail server (bounced). Check each address with the organisation, correct it here or by import, then retry the delivery.</p>
${
  entries.length === 0
    ? html`<p class="panel">No contacts to correct.</p>`
    : html`<table class="contacts-to-correct">
  <caption class="visually-hidden">Contacts to correct, most recent first</caption>
  <thead><tr><th scope="col">Organisation</th><th scope="col">Contact</th><th scope="col">Last error</th><th scope="col">When</th><th scope="col">Delivery</th></tr></thead>
  <tbody>${entries.map(
    (e) => html`<tr><th scope="row">${e.organisation.name}<br><span class="hint-inline">${e.organisation.type} ${e.organisation.id}</span></th><td>${e.contactName ?? html`<span class="hint-inline">no longer active in the directory</span>`}<br><span class="hint-inline">${ROLE_LABEL[e.role] ?? e.role}, contact ${e.contactId}</span></td><td><span class="error-text">${e.lastError}</span></td><td>${time(e.at)}</td><td><a href="/dashboard/episodes/${e.episodeId}">Episode<span class="visually-hidden"> of delivery ${e.deliveryId}</span></a></td></tr>`,
  )}</tbody>
</table>`
}`;
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
${contactsToCorrect(page.contactsToCorrect)}
${page.user.role === 'admin' ? importForm(page) : ''}`;
}
