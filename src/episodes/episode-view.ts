import type { DeliveryWithHistory } from '../delivery/delivery.store';
import { deliveryJson } from '../delivery/delivery-view';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeRecord } from './episode.store';

/** The fields every view of an episode starts with. */
const episodeHead = (episode: EpisodeRecord) => ({
  episodeId: episode.episodeId,
  feedId: episode.feedId,
  policeReference: episode.policeReference,
  state: episode.state,
  risk: episode.risk ?? null,
  openedAt: episode.openedAt,
  closedAt: episode.closedAt ?? null,
  foundAt: episode.foundAt ?? null,
  returnInterviewDueAt: episode.returnInterviewDueAt ?? null,
  unroutable: episode.unroutable,
});

/** An episode with its events and every delivery (SPEC §6). No child details: those are for the audited dashboard. */
export function episodeJson(episode: EpisodeRecord, events: StoredEvent[], deliveries: DeliveryWithHistory[]) {
  return {
    ...episodeHead(episode),
    locality: episode.locality ?? null,
    /** The child's own organisations that got nothing although known: deactivated, or nobody active to write to. */
    directGaps: { inactive: episode.inactive, noActiveContacts: episode.noActiveContacts ?? [] },
    events: events.map((e) => ({ eventId: e.eventId, type: e.type, occurredAt: e.event.occurredAt, receivedAt: e.receivedAt })),
    deliveries: deliveries.map(deliveryJson),
  };
}

/** The one-line summary of an episode for lists and the live board. */
export function episodeSummary(episode: EpisodeRecord, deliveries: DeliveryWithHistory[]) {
  const count = (p: (d: DeliveryWithHistory) => boolean) => deliveries.filter(p).length;
  const direct = deliveries.filter((d) => d.audience === 'direct' && d.kind === 'alert');
  return {
    ...episodeHead(episode),
    counts: {
      deliveries: deliveries.length,
      reached: count((d) => d.status === 'sent'),
      // A bounced message did not reach its recipient either: it is a failure to act on.
      failed: count((d) => d.status === 'failed' || d.status === 'bounced'),
      pending: count((d) => ['pending', 'sending', 'retrying'].includes(d.status)),
      acknowledged: count((d) => d.acknowledgedAt !== null),
      escalated: count((d) => d.escalatedAt !== null),
      directAlerts: direct.length,
      directAcknowledged: direct.filter((d) => d.acknowledgedAt !== null).length,
    },
  };
}
