import { RETRYABLE_STATUSES } from '../../delivery/delivery-status';
import type { DeliveryWithHistory } from '../../delivery/delivery.store';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../../access/auth';
import { csrfField, statusTag, time } from './common';

export type DeliveryTableOptions = {
  user: SessionUser;
  /** Where the retry form sends the browser back to. */
  back: string;
  /** Police reference by episode id: adds a column linking to each delivery's episode. */
  references?: ReadonlyMap<string, string>;
  /** Shows each delivery's history in a <details>. */
  withHistory?: boolean;
  /** Acknowledgement deadline by delivery id (the overdue list). */
  deadlines?: ReadonlyMap<string, Date>;
};

const ROLE_LABEL: Record<string, string> = { dsl: 'DSL', deputy: 'Deputy DSL', safeguarding_lead: 'Safeguarding lead', practice_manager: 'Practice manager' };

/** A plain form, so retry works without JavaScript; the token proves it came from this page. */
export const retryForm = (d: DeliveryWithHistory, options: DeliveryTableOptions) =>
  html`<form class="inline" method="post" action="/dashboard/deliveries/${d.deliveryId}/retry">${csrfField(options.user)}<input type="hidden" name="back" value="${options.back}"><button class="button small" type="submit">Retry<span class="visually-hidden"> the ${d.kind} to ${d.contact.name}, ${d.organisation.name}</span></button></form>`;

function acknowledgement(d: DeliveryWithHistory): Html {
  const { inSchoolToday, note } = d.acknowledgement;
  if (inSchoolToday === null && note === null) return html``;
  return html`<div class="ack-answer">${inSchoolToday === null ? '' : html`<p><strong>${inSchoolToday ? 'Child in school today' : 'Child not in school today'}</strong></p>`}${note === null ? '' : html`<p>Note for police: ${note}</p>`}</div>`;
}

function history(d: DeliveryWithHistory): Html {
  return html`<details><summary>History (${d.history.length})</summary><ol class="history">${d.history.map(
    (h) => html`<li>${time(h.at)}: <strong>${h.status}</strong>${h.detail ? html` – ${h.detail}` : ''}</li>`,
  )}</ol></details>`;
}

function row(d: DeliveryWithHistory, options: DeliveryTableOptions): Html {
  const reference = options.references?.get(d.episodeId);
  const deadline = options.deadlines?.get(d.deliveryId);
  return html`<tr>
  ${options.references ? html`<td><a href="/dashboard/episodes/${d.episodeId}">${reference ?? d.episodeId}</a></td>` : ''}
  <th scope="row">${d.organisation.name}<br><span class="hint-inline">${d.organisation.type} ${d.organisation.id}</span></th>
  <td>${d.contact.name}<br><span class="hint-inline">${ROLE_LABEL[d.contact.role] ?? d.contact.role}</span><br><span class="hint-inline email">${d.contact.email}</span></td>
  <td>${d.kind}<br><span class="hint-inline">${d.audience}</span></td>
  <td>${statusTag(d.status)}<br><span class="hint-inline">${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}</span>${d.lastError ? html`<p class="error-text">${d.lastError}</p>` : ''}${options.withHistory ? history(d) : ''}</td>
  <td><dl class="times">
    <dt>Sent</dt><dd>${time(d.sentAt)}</dd>
    ${d.status === 'failed' ? html`<dt>Failed</dt><dd>${time(d.updatedAt)}</dd>` : ''}
    ${d.status === 'bounced' ? html`<dt>Bounced</dt><dd>${time(d.updatedAt)}</dd>` : ''}
    ${(d.ackable && d.sentAt && d.status !== 'bounced') || d.acknowledgedAt ? html`<dt>Acknowledged</dt><dd>${time(d.acknowledgedAt)}</dd>` : ''}
    ${deadline ? html`<dt>Due by</dt><dd>${time(deadline.toISOString())}</dd>` : ''}
    ${d.escalatedAt ? html`<dt>Escalated</dt><dd><strong class="alarm">${time(d.escalatedAt)}</strong></dd>` : ''}
  </dl>${acknowledgement(d)}</td>
  <td>${RETRYABLE_STATUSES.includes(d.status) ? retryForm(d, options) : ''}</td>
</tr>`;
}

/** Deliveries with organisation, contact, message, status and times, and a retry button on failed and bounced ones. */
export function deliveriesTable(deliveries: readonly DeliveryWithHistory[], options: DeliveryTableOptions, caption: string): Html {
  return html`<table class="deliveries">
  <caption class="visually-hidden">${caption}</caption>
  <thead><tr>
    ${options.references ? html`<th scope="col">Police reference</th>` : ''}
    <th scope="col">Organisation</th><th scope="col">Contact</th><th scope="col">Message</th><th scope="col">Status</th><th scope="col">Times</th><th scope="col"><span class="visually-hidden">Action</span></th>
  </tr></thead>
  <tbody>${deliveries.map((d) => row(d, options))}</tbody>
</table>`;
}
