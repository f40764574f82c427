import type { EpisodeFacts } from '../../delivery/messages';
import type { DeliveryWithHistory } from '../../delivery/delivery.store';
import type { EpisodeRecord } from '../../episodes/episode.store';
import type { StoredEvent } from '../../intake/event.store';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../auth';
import { riskTag, statusTag, time } from './common';
import { deliveriesTable } from './deliveries';

export type EpisodePage = {
  episode: EpisodeRecord;
  facts: EpisodeFacts;
  events: readonly StoredEvent[];
  deliveries: readonly DeliveryWithHistory[];
  user: SessionUser;
};

const MISSING_FROM: Record<string, string> = { home: 'Home', care: 'Care', other: 'Other' };
const refs = (list: readonly { type: string; id: string }[]) => list.map((r) => `${r.type} ${r.id}`).join(', ');
const yesNo = (value: boolean | undefined) => (value === undefined ? '–' : value ? 'Yes' : 'No');

function childDetails(facts: EpisodeFacts): Html {
  const child = facts.child;
  const name = [child.givenName, child.familyName].filter(Boolean).join(' ');
  return html`<dl class="summary">
  <dt>Name</dt><dd>${name || '–'}</dd>
  <dt>Date of birth</dt><dd>${child.dateOfBirth ?? '–'}</dd>
  <dt>Gender</dt><dd>${child.gender ?? '–'}</dd>
  <dt>Description</dt><dd>${child.description ?? '–'}</dd>
  <dt>Looked after</dt><dd>${yesNo(child.lookedAfter)}</dd>
  <dt>Missing from</dt><dd>${facts.missingFrom ? MISSING_FROM[facts.missingFrom] : '–'}</dd>
  <dt>Last seen</dt><dd>${facts.lastSeen ? html`${time(facts.lastSeen.at)}, ${facts.lastSeen.area}` : '–'}</dd>
  <dt>Concerns</dt><dd>${facts.concerns?.length ? facts.concerns.join(', ') : 'None given'}</dd>
  <dt>School (URN)</dt><dd>${child.schoolUrn ?? '–'}</dd>
  <dt>GP practice (ODS)</dt><dd>${child.gpOdsCode ?? '–'}</dd>
  <dt>Postcode district</dt><dd>${child.postcodeDistrict ?? '–'}</dd>
  <dt>Police contact</dt><dd>${facts.contact ? html`${facts.contact.name}, ${facts.contact.phone}${facts.contact.email ? html`, ${facts.contact.email}` : ''}` : '–'}</dd>
  ${facts.note ? html`<dt>Latest police note</dt><dd>${facts.note}</dd>` : ''}
</dl>`;
}

/** SPEC §8: an episode's timeline with every delivery, its history and a retry button on failed and bounced ones. */
export function episodeView(page: EpisodePage): Html {
  const { episode, events, deliveries, user } = page;
  const gaps = [...episode.inactive, ...(episode.noActiveContacts ?? [])];
  const ordered = [...deliveries].sort((a, b) => (a.audience === b.audience ? a.createdAt.localeCompare(b.createdAt) : a.audience === 'direct' ? -1 : 1));
  return html`
<h1>Episode ${episode.policeReference}</h1>
${
  episode.state === 'found' && episode.returnInterviewDueAt
    ? html`<div class="panel"><h2 class="panel-title">Return home interview due by ${time(episode.returnInterviewDueAt)}</h2><p>The child was found at ${time(episode.foundAt)}. The interview is due within 72 hours.</p></div>`
    : ''
}
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
${childDetails(page.facts)}
<h2>Events</h2>
<table>
  <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Occurred</th><th scope="col">Received</th></tr></thead>
  <tbody>${events.map((e) => html`<tr><th scope="row">${e.eventId}</th><td>${e.type}</td><td>${time(e.event.occurredAt)}</td><td>${time(e.receivedAt)}</td></tr>`)}</tbody>
</table>
<h2>Deliveries (${deliveries.length})</h2>
${ordered.length === 0 ? html`<p>No deliveries yet.</p>` : deliveriesTable(ordered, { user, back: `/dashboard/episodes/${episode.episodeId}`, withHistory: true }, 'Deliveries of this episode, direct first')}`;
}
