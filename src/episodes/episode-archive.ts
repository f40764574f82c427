import type { Delivery } from '../delivery/delivery.store';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeRecord } from './episode.store';

/**
 * What the retention purge keeps of an episode for the reports (SPEC §13): the facts the
 * figures count and nothing that names anyone. No child (name, date of birth, description,
 * person id), no police reference or contact details, no email address. Pure.
 */
export type ArchivedDelivery = Pick<Delivery, 'deliveryId' | 'kind' | 'audience' | 'organisation' | 'status' | 'lastError' | 'updatedAt' | 'sentAt' | 'acknowledgedAt' | 'escalatedAt' | 'ackable'> & {
  contactId: string;
  contactRole: string;
};

export type ArchivedEpisode = Pick<EpisodeRecord, 'episodeId' | 'feedId' | 'state' | 'openedAt'> & {
  risk: Exclude<EpisodeRecord['risk'], undefined> | null;
  missingFrom: 'home' | 'care' | 'other' | null;
  locality: string | null;
  foundAt: string | null;
  returnInterviewDueAt: string | null;
  /** When the return home interview was recorded as done (the store adds it as it archives the row). */
  returnInterviewDoneAt?: string | null;
  /** When intake accepted the `missing.reported` event. */
  reportReceivedAt: string | null;
  /** Only the deliveries a figure can count (`counted` says which). */
  deliveries: ArchivedDelivery[];
};

const EMAIL = /[^\s<>()"',;:@]+@[^\s<>()"',;:]+/g;

/**
 * The deliveries a report figure counts: direct ones (time to school, acknowledgement), ones
 * with an acknowledgement link or an escalation, and failed or bounced ones (contacts to
 * correct). An area message that was simply sent counts in none, and is most of an episode's.
 */
const counted = (d: Delivery) => d.audience === 'direct' || d.ackable || d.escalatedAt !== null || d.status === 'failed' || d.status === 'bounced';

/** A delivery's facts that report figures count, alike for a held episode and a purged one's row. */
export function deliveryFiguresOf(d: Delivery): ArchivedDelivery {
  return {
    deliveryId: d.deliveryId,
    kind: d.kind,
    audience: d.audience,
    organisation: d.organisation,
    contactId: d.contact.contactId,
    contactRole: d.contact.role,
    status: d.status,
    // SMTP errors quote the contact's address (as the reports scrub on reading).
    lastError: d.lastError === null ? null : d.lastError.replace(EMAIL, '[address]'),
    updatedAt: d.updatedAt,
    sentAt: d.sentAt,
    acknowledgedAt: d.acknowledgedAt,
    escalatedAt: d.escalatedAt,
    ackable: d.ackable,
  };
}

/** The episode's facts that report figures count, alike for a held episode and a purged one's row. */
export function episodeFiguresOf(record: EpisodeRecord): Omit<ArchivedEpisode, 'reportReceivedAt' | 'deliveries' | 'returnInterviewDoneAt'> {
  return {
    episodeId: record.episodeId,
    feedId: record.feedId,
    state: record.state,
    openedAt: record.openedAt,
    risk: record.risk ?? null,
    missingFrom: record.facts.missingFrom ?? null,
    locality: record.locality ?? null,
    foundAt: record.foundAt ?? null,
    returnInterviewDueAt: record.returnInterviewDueAt ?? null,
  };
}

/** The row kept of a purged episode; undefined for one whose report never arrived (no figure counts it). */
export function archivedEpisodeOf(record: EpisodeRecord, events: readonly StoredEvent[], deliveries: readonly Delivery[]): ArchivedEpisode | undefined {
  if (!record.reported) return undefined;
  const reports = events.filter((e) => e.type === 'missing.reported').map((e) => e.receivedAt).sort();
  return {
    ...episodeFiguresOf(record),
    reportReceivedAt: reports[0] ?? null,
    deliveries: deliveries.filter(counted).map(deliveryFiguresOf),
  };
}
