import type { DeliveryWithHistory } from '../delivery/delivery.store';
import type { ArchivedEpisode } from '../episodes/episode-archive';
import type { EpisodeRecord } from '../episodes/episode.store';
import type { Stores } from '../stores';
import type { ReportDelivery, ReportEpisode, ReportInput } from './report';
import { rangeBounds, type DateRange } from './report-range';
import { REPEAT_WINDOW_DAYS } from './repeat-children';

/**
 * The reads behind the reports: only the episodes a range needs, found through the index by
 * opening time, then their events and deliveries. No scan of every key. Episodes the retention
 * purge has deleted count from their anonymous rows (episodes/episode-archive.ts): every figure
 * but the repeats, which need the child's identity and so see only the episodes still held.
 */
export type ReportStores = Pick<Stores, 'episodes' | 'events' | 'deliveries'>;

const LOOK_BACK_MS = REPEAT_WINDOW_DAYS * 24 * 3600_000;

export function toReportEpisode(record: EpisodeRecord, reportReceivedAt: string | null): ReportEpisode {
  const child = record.facts.child;
  return {
    episodeId: record.episodeId,
    feedId: record.feedId,
    policeReference: record.policeReference,
    reported: record.reported,
    state: record.state,
    openedAt: record.openedAt,
    risk: record.risk ?? null,
    missingFrom: record.facts.missingFrom ?? null,
    locality: record.locality ?? null,
    foundAt: record.foundAt ?? null,
    returnInterviewDueAt: record.returnInterviewDueAt ?? null,
    reportReceivedAt,
    child: { policePersonId: child.policePersonId, givenName: child.givenName, familyName: child.familyName, dateOfBirth: child.dateOfBirth },
  };
}

export function toReportDelivery(d: DeliveryWithHistory): ReportDelivery {
  return {
    deliveryId: d.deliveryId,
    episodeId: d.episodeId,
    kind: d.kind,
    audience: d.audience,
    organisation: d.organisation,
    contactId: d.contact.contactId,
    contactRole: d.contact.role,
    status: d.status,
    lastError: d.lastError,
    updatedAt: d.updatedAt,
    sentAt: d.sentAt,
    acknowledgedAt: d.acknowledgedAt,
    escalatedAt: d.escalatedAt,
    ackable: d.ackable,
  };
}

/** A purged episode's row as the reports read it: no child, no police reference (only the repeats use them). */
export function fromArchived(row: ArchivedEpisode): { episode: ReportEpisode; deliveries: ReportDelivery[] } {
  const { deliveries, ...facts } = row;
  return {
    episode: { ...facts, policeReference: '', reported: true, child: {} },
    deliveries: deliveries.map((d) => ({ ...d, episodeId: row.episodeId })),
  };
}

/** Adds the archived rows of [fromMs, toMs) to the live input; a row whose episode is still held (a purge stopped part way) is skipped. */
async function withArchived(stores: ReportStores, input: ReportInput, fromMs: number, toMs: number): Promise<ReportInput> {
  const live = new Set(input.episodes.map((e) => e.episodeId));
  const archived = (await stores.episodes.archivedBetween(fromMs, toMs)).filter((row) => !live.has(row.episodeId)).map(fromArchived);
  if (archived.length === 0) return input;
  return { episodes: [...input.episodes, ...archived.map((a) => a.episode)], deliveries: [...input.deliveries, ...archived.flatMap((a) => a.deliveries)] };
}

/** What `buildReport` needs for a range: the range's episodes with their deliveries (purged ones from their rows), and 90 days before for the repeats. */
export async function loadReportInput(stores: ReportStores, range: DateRange): Promise<ReportInput> {
  const { fromMs, toMs } = rangeBounds(range);
  const records = await stores.episodes.openedBetween(fromMs - LOOK_BACK_MS, toMs);
  const inRange = records.filter((r) => Date.parse(r.openedAt) >= fromMs && Date.parse(r.openedAt) < toMs);
  const received = new Map<string, string>();
  const deliveries: ReportDelivery[] = [];
  // Side by side: ioredis pipelines the reads of all the range's episodes into a few round trips.
  await Promise.all(
    inRange.map(async (record) => {
      const [events, ofEpisode] = await Promise.all([stores.events.eventsOfEpisode(record.episodeId), stores.deliveries.ofEpisode(record.episodeId, false)]);
      const report = events.filter((e) => e.type === 'missing.reported').sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))[0];
      if (report) received.set(record.episodeId, report.receivedAt);
      for (const d of ofEpisode) deliveries.push(toReportDelivery(d));
    }),
  );
  return withArchived(stores, { episodes: records.map((r) => toReportEpisode(r, received.get(r.episodeId) ?? null)), deliveries }, fromMs, toMs);
}

/**
 * What the repeated-episodes list needs: the episodes of the range and the 90 days before,
 * without events or deliveries. Only the episodes still held: a purged one keeps no identity.
 */
export async function loadRepeatInput(stores: Pick<ReportStores, 'episodes'>, range: DateRange): Promise<Pick<ReportInput, 'episodes'>> {
  const { fromMs, toMs } = rangeBounds(range);
  return { episodes: (await stores.episodes.openedBetween(fromMs - LOOK_BACK_MS, toMs)).map((r) => toReportEpisode(r, null)) };
}

/** Open episodes whose child has 3 or more episodes within the 90 days up to now: the board marks them. */
export async function loadRecentEpisodes(stores: ReportStores, now: Date): Promise<ReportEpisode[]> {
  const records = await stores.episodes.openedBetween(now.getTime() - LOOK_BACK_MS, now.getTime() + 1);
  return records.map((r) => toReportEpisode(r, null));
}
