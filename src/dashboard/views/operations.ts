import type { AuditEntry } from '../../access/audit.store';
import { readAuditDetail } from '../../directory/directory-changes';
import type { MailCursor, MailPage } from '../mail.queries';
import { html, type Html } from '../../platform/html';
import { alarm, time } from './common';

/* The smaller operational pages of SPEC §8: queue health, audit log, export, caught mail. */

export type QueueHealth = {
  queues: { name: string; counts: Record<string, number> }[];
  workersAlive: number;
  outbox: number;
};

const COUNT_COLUMNS = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

export function queuesView(health: QueueHealth): Html {
  return html`<h1>Queue health</h1>
<dl class="summary">
  <dt>Worker processes alive</dt><dd>${health.workersAlive > 0 ? health.workersAlive : html`<strong class="alarm">None: nothing is being sent</strong>`}</dd>
  <dt>Events waiting for fan-out (outbox)</dt><dd>${health.outbox}</dd>
</dl>
<table>
  <caption>BullMQ jobs per queue</caption>
  <thead><tr><th scope="col">Queue</th>${COUNT_COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
  <tbody>${health.queues.map(
    (q) => html`<tr><th scope="row">${q.name}</th>${COUNT_COLUMNS.map((c) => html`<td>${c === 'failed' ? alarm(q.counts[c] ?? 0) : (q.counts[c] ?? 0)}</td>`)}</tr>`,
  )}</tbody>
</table>`;
}

/**
 * An entry's detail: a directory change as a summary with each organisation's changes behind a
 * disclosure (an import may list hundreds), anything else as written. All of it escaped.
 */
function auditDetailCell(entry: AuditEntry): Html | string {
  const changes = entry.detail && entry.action.startsWith('directory.') ? readAuditDetail(entry.detail) : undefined;
  if (!changes) return entry.detail ?? '';
  if (changes.organisations.length === 0) return changes.summary;
  return html`<details class="audit-changes"><summary>${changes.summary}</summary><ul>${changes.organisations.map(
    (o) => html`<li>${o.org} ${o.change}${o.lines.length > 0 ? html`<ul>${o.lines.map((line) => html`<li>${line}</li>`)}</ul>` : ''}</li>`,
  )}</ul></details>`;
}

export function auditView(entries: readonly AuditEntry[], older?: string): Html {
  return html`<h1>Audit log</h1>
<p>Every view of a child's details and every action, newest first (${entries.length} on this page).</p>
<table>
  <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Detail</th></tr></thead>
  <tbody>${entries.map((e) => html`<tr><td>${time(e.at)}</td><td>${e.actor}</td><th scope="row">${e.action}</th><td>${e.subject.startsWith('ep_') ? html`<a href="/dashboard/episodes/${e.subject}">${e.subject}</a>` : e.subject}</td><td>${auditDetailCell(e)}</td></tr>`)}</tbody>
</table>
${older ? html`<p><a href="${older}" rel="next">Older entries</a></p>` : ''}`;
}

export function exportView(defaults: { from: string; to: string }): Html {
  return html`<h1>Export the delivery log</h1>
<p>A CSV of every delivery created between two dates, for audit. The export is recorded in the audit log.</p>
<form method="get" action="/api/v1/deliveries.csv">
  <label for="from">From</label>
  <input type="date" id="from" name="from" required value="${defaults.from}">
  <label for="to">To (inclusive)</label>
  <input type="date" id="to" name="to" required value="${defaults.to}">
  <p><button class="button" type="submit">Download CSV</button></p>
</form>`;
}

const cursorQuery = (cursor: MailCursor) =>
  cursor.after ? `?after=${encodeURIComponent(cursor.after)}` : cursor.before ? `?before=${encodeURIComponent(cursor.before)}` : '';

function mailPager(page: MailPage, where: 'top' | 'bottom'): Html {
  if (!page.newer && !page.older) return html``;
  return html`<nav class="pager" aria-label="Caught mail pages (${where})"><ul>
${page.newer ? html`<li><a href="/dashboard/mail">Newest</a></li><li><a href="/dashboard/mail${cursorQuery(page.newer)}" rel="prev">Newer messages</a></li>` : ''}
${page.older ? html`<li><a href="/dashboard/mail${cursorQuery(page.older)}" rel="next">Older messages</a></li>` : ''}
</ul></nav>`;
}

/**
 * The caught mail as the DSL would see it: the HTML part in a sandboxed frame served by its own
 * route under its own policy (never inline in this page), the text part beside it.
 */
export function mailView(page: MailPage): Html {
  const position =
    page.messages.length === 0
      ? page.total === 0
        ? 'Nothing caught yet.'
        : 'No older caught mail is kept.'
      : `Messages ${page.start + 1} to ${page.start + page.messages.length} of ${page.total}, newest first.`;
  return html`<h1>Caught mail</h1>
<p>The embedded development mail sink catches every message: nothing leaves this machine. ${position}</p>
${mailPager(page, 'top')}
${page.messages.map(
  (m) => html`<section class="mail" aria-label="${m.subject || 'No subject'}">
  <h2>${m.subject || '(no subject)'}</h2>
  <dl class="summary"><dt>To</dt><dd>${m.to.join(', ')}</dd><dt>From</dt><dd>${m.from}</dd><dt>Caught</dt><dd>${time(m.at)}</dd></dl>
  ${
    m.html
      ? html`<iframe class="mail-html" sandbox src="/dashboard/mail/${m.id}/html" title="HTML part of: ${m.subject || 'no subject'}"></iframe>`
      : html`<p>This message has no HTML part.</p>`
  }
  <details${m.html ? '' : html` open`}><summary>Text part</summary><pre>${m.text}</pre></details>
</section>`,
)}
${mailPager(page, 'bottom')}`;
}
