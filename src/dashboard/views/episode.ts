import type { DeliveryWithHistory } from '../../delivery/delivery.store';
import type { EpisodeRecord, ReturnInterviewDone } from '../../episodes/episode.store';
import type { StoredEvent } from '../../intake/event.store';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../../access/auth';
import { csrfField, riskTag, statusTag, time } from './common';
import { deliveriesTable } from './deliveries';
import type { EpisodeFacts } from '../../delivery/message-types';
import { concernsLabel, dateOfBirthText } from '../../delivery/message-words';

export type EpisodePage = {
  episode: EpisodeRecord;
  facts: EpisodeFacts;
  events: readonly StoredEvent[];
  deliveries: readonly DeliveryWithHistory[];
  /** The return home interview, when it was recorded as done. */
  returnInterview?: ReturnInterviewDone | undefined;
  user: SessionUser;
};

const MISSING_FROM: Record<string, string> = { home: 'Home', care: 'Care', other: 'Other' };
const refs = (list: readonly { type: string; id: string }[]) => list.map((r) => `${r.type} ${r.id}`).join(', ');
const yesNo = (value: boolean | undefined) => (value === undefined ? '–' : value ? 'Yes' : 'No');

function childDetails(facts: EpisodeFacts, openedAt: string): Html {
  const child = facts.child;
  const name = [child.givenName, child.familyName].filter(Boolean).join(' ');
  return html`<dl class="summary">
  <dt>Name</dt><dd>${name || '–'}</dd>
  <dt>Date of birth</dt><dd>${child.dateOfBirth ? dateOfBirthText(child.dateOfBirth, openedAt) : '–'}</dd>
  <dt>Gender</dt><dd>${child.gender ?? '–'}</dd>
  <dt>Description</dt><dd>${child.description ?? '–'}</dd>
  <dt>Looked after</dt><dd>${yesNo(child.lookedAfter)}</dd>
  <dt>Missing from</dt><dd>${facts.missingFrom ? MISSING_FROM[facts.missingFrom] : '–'}</dd>
  <dt>Last seen</dt><dd>${facts.lastSeen ? html`${time(facts.lastSeen.at)}, ${facts.lastSeen.area}` : '–'}</dd>
  <dt>Concerns</dt><dd>${facts.concerns?.length ? concernsLabel(facts.concerns) : 'None given'}</dd>
  <dt>School (URN)</dt><dd>${child.schoolUrn ?? '–'}</dd>
  <dt>GP practice (ODS)</dt><dd>${child.gpOdsCode ?? '–'}</dd>
  <dt>Postcode district</dt><dd>${child.postcodeDistrict ?? '–'}</dd>
  <dt>Police contact</dt><dd>${facts.contact ? html`${facts.contact.name}, ${facts.contact.phone}${facts.contact.email ? html`, ${facts.contact.email}` : ''}` : '–'}</dd>
  ${facts.note ? html`<dt>Latest police note</dt><dd>${facts.note}</dd>` : ''}
</dl>`;
}

/** SPEC §7: when the interview is due, and either who recorded it as done or the form that records it (a plain form: no JavaScript). */
function returnInterviewPanel(episode: EpisodeRecord, done: ReturnInterviewDone | undefined, user: SessionUser): Html {
  if (done) {
    return html`<div class="panel"><h2 class="panel-title">Return home interview done</h2><p>Recorded as done at ${time(done.recordedAt)} by ${done.recordedBy}. It was due by ${time(episode.returnInterviewDueAt)}; the child was found at ${time(episode.foundAt)}.</p></div>`;
  }
  return html`<div class="panel"><h2 class="panel-title">Return home interview due by ${time(episode.returnInterviewDueAt)}</h2><p>The child was found at ${time(episode.foundAt)}. The interview is due within 72 hours.</p>
<form method="post" action="/dashboard/episodes/${episode.episodeId}/return-interview">${csrfField(user)}<button class="button secondary" type="submit">Record the return home interview as done</button></form></div>`;
}

/** SPEC §8: an episode's timeline with every delivery, its history and a retry button on failed and bounced ones. */
export function episodeView(page: EpisodePage): Html {
  const { episode, events, deliveries, user } = page;
  const gaps = [...episode.inactive, ...(episode.noActiveContacts ?? [])];
  const ordered = [...deliveries].sort((a, b) => (a.audience === b.audience ? a.createdAt.localeCompare(b.createdAt) : a.audience === 'direct' ? -1 : 1));
  return html`
<h1>Episode ${episode.policeReference}</h1>
${episode.state === 'found' && episode.returnInterviewDueAt ? returnInterviewPanel(episode, page.returnInterview, user) : ''}
${episode.unroutable.length > 0 ? html`<div class="panel warn"><h2 class="panel-title">Unroutable</h2><p>The directory does not know: ${refs(episode.unroutable)}. Nobody there was sent the alert.</p></div>` : ''}
${gaps.length > 0 ? html`<div class="panel warn"><h2 class="panel-title">Not reached</h2><p>The child's own organisation got nothing (inactive or no active contacts): ${refs(gaps)}.</p></div>` : ''}
<dl class="summary">
  <dt>State</dt><dd>${statusTag(episode.state)}</dd>
  <dt>Risk</dt><dd>${riskTag(episode.risk ?? null)}</dd>
  <dt>Opened</dt><dd>${time(episode.openedAt)}</dd>
  <dt>Closed</dt><dd>${time(episode.closedAt)}</dd>
  ${episode.locality ? html`<dt>Locality</dt><dd>${episode.locality}</dd>` : ''}
  <dt>Police feed</dt><dd>${episode.feedId}</dd>
</dl>
<h2>The child</h2>
<p class="hint">Your view of these details is recorded in the audit log.</p>
${childDetails(page.facts, episode.openedAt)}
<h2>Events</h2>
<table>
  <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Occurred</th><th scope="col">Received</th></tr></thead>
  <tbody>${events.map((e) => html`<tr><th scope="row">${e.eventId}</th><td>${e.type}</td><td>${time(e.event.occurredAt)}</td><td>${time(e.receivedAt)}</td></tr>`)}</tbody>
</table>
<h2>Deliveries (${deliveries.length})</h2>
${deliveries.length === 0 ? html`<p>No deliveries yet.</p>` : deliveriesSections(ordered, { user, back: `/dashboard/episodes/${episode.episodeId}`, withHistory: true })}`;
}

const STATUS_ORDER = ['failed', 'bounced', 'retrying', 'pending', 'sending', 'sent', 'superseded'];

/**
 * The child's own school and GP first, each at a glance (alerts sent, acknowledged, escalated)
 * with its rows; area recipients summarised by status, their rows behind a disclosure.
 */
function deliveriesSections(ordered: readonly DeliveryWithHistory[], options: Parameters<typeof deliveriesTable>[1]): Html {
  const direct = ordered.filter((d) => d.audience === 'direct');
  const area = ordered.filter((d) => d.audience === 'area');
  const byOrganisation = new Map<string, DeliveryWithHistory[]>();
  for (const d of direct) byOrganisation.set(`${d.organisation.type}:${d.organisation.id}`, [...(byOrganisation.get(`${d.organisation.type}:${d.organisation.id}`) ?? []), d]);
  const glance = [...byOrganisation.values()].map((list) => {
    const alerts = list.filter((d) => d.ackable);
    const count = (p: (d: DeliveryWithHistory) => boolean) => alerts.filter(p).length;
    const o = list[0]!.organisation;
    return html`<tr><th scope="row">${o.name}<br><span class="hint-inline">${o.type === 'gp' ? 'GP practice' : 'School'} ${o.id}</span></th><td>${count((d) => d.sentAt !== null)} of ${alerts.length}</td><td>${count((d) => d.acknowledgedAt !== null)}</td><td>${count((d) => d.escalatedAt !== null) > 0 ? html`<strong class="alarm">${count((d) => d.escalatedAt !== null)}</strong>` : '0'}</td><td>${count((d) => d.status === 'failed' || (d.status as string) === 'bounced') > 0 ? html`<strong class="alarm">${count((d) => d.status === 'failed' || (d.status as string) === 'bounced')}</strong>` : '0'}</td></tr>`;
  });
  const statuses = new Map<string, number>();
  for (const d of area) statuses.set(d.status, (statuses.get(d.status) ?? 0) + 1);
  const summary = [...statuses].sort((a, b) => STATUS_ORDER.indexOf(a[0]) - STATUS_ORDER.indexOf(b[0])).map(([status, n]) => `${n} ${status}`).join(', ');
  return html`<h3>The child's school and GP practice</h3>
${
  direct.length === 0
    ? html`<p>None: see Unroutable and Not reached above.</p>`
    : html`<table class="glance">
  <caption class="visually-hidden">Alerts to the child's own school and GP practice at a glance</caption>
  <thead><tr><th scope="col">Organisation</th><th scope="col">Alerts sent</th><th scope="col">Acknowledged</th><th scope="col">Escalated</th><th scope="col">Failed or bounced</th></tr></thead>
  <tbody>${glance}</tbody>
</table>
${deliveriesTable(direct, options, "Deliveries to the child's own school and GP practice")}`
}
<h3>Area recipients (${area.length})</h3>
${
  area.length === 0
    ? html`<p>No area deliveries.</p>`
    : html`<p>${summary}.</p>
<details class="area-deliveries"><summary>Show the ${area.length} area deliveries</summary>
${deliveriesTable(area, options, 'Deliveries to other schools and GP practices of the locality')}
</details>`
}`;
}
