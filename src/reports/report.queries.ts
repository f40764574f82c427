import type { DeliveryWithHistory } from '../delivery/delivery.store';
import { deliveryFiguresOf, episodeFiguresOf, type ArchivedEpisode } from '../episodes/episode-archive';
import { childKeysOf, type EpisodeRecord, type EpisodeStore } from '../episodes/episode.store';
import type { Stores } from '../stores';
import { repeatEpisodeCounts, type ReportDelivery, type ReportEpisode, type ReportInput } from './report';
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
    ...episodeFiguresOf(record),
    policeReference: record.policeReference,
    reported: record.reported,
    reportReceivedAt,
    child: { policePersonId: child.policePersonId, givenName: child.givenName, familyName: child.familyName, dateOfBirth: child.dateOfBirth },
  };
}

export function toReportDelivery(d: DeliveryWithHistory): ReportDelivery {
  return { ...deliveryFiguresOf(d), episodeId: d.episodeId };
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

/**
 * The episodes opened in [fromMs, toMs) of the same children as `records`, besides those, read
 * through the child index key by key until no episode found brings a new key (a report with an
 * id under another name brings that name; a name brings the other ids under it). The matching
 * rule then groups each child of `records` as it would over every episode of the period.
 */
async function sameChildren(episodes: EpisodeStore, records: readonly EpisodeRecord[], fromMs: number, toMs: number): Promise<EpisodeRecord[]> {
  const seen = new Set(records.map((r) => r.episodeId));
  const read = new Set<string>();
  const found: EpisodeRecord[] = [];
  let frontier: readonly EpisodeRecord[] = records;
  for (;;) {
    const keys = [...new Set(frontier.flatMap(childKeysOf))].filter((k) => !read.has(k));
    if (keys.length === 0) return found;
    for (const k of keys) read.add(k);
    const ids = (await episodes.ofChildKeys(keys, fromMs, toMs)).filter((id) => !seen.has(id));
    for (const id of ids) seen.add(id);
    frontier = await episodes.getMany(ids);
    found.push(...frontier);
  }
}

/** The range's records, and the earlier ones (90 days back) of the same children: all the repeats need. */
async function rangeWithRepeats(episodes: EpisodeStore, fromMs: number, toMs: number): Promise<{ inRange: EpisodeRecord[]; earlier: EpisodeRecord[] }> {
  const inRange = await episodes.openedBetween(fromMs, toMs);
  return { inRange, earlier: await sameChildren(episodes, inRange, fromMs - LOOK_BACK_MS, fromMs) };
}

/**
 * What `buildReport` needs for a range: the range's episodes with their deliveries (purged ones
 * from their rows), and the earlier episodes of the same children for the repeats. Its reads
 * grow with the range's episodes, not with the store.
 */
export async function loadReportInput(stores: ReportStores, range: DateRange): Promise<ReportInput> {
  const { fromMs, toMs } = rangeBounds(range);
  const { inRange, earlier } = await rangeWithRepeats(stores.episodes, fromMs, toMs);
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
  const episodes = [...earlier, ...inRange].map((r) => toReportEpisode(r, received.get(r.episodeId) ?? null));
  return withArchived(stores, { episodes, deliveries }, fromMs, toMs);
}

/**
 * What the repeated-episodes list needs: the range's episodes and the earlier ones of the same
 * children, without events or deliveries. Only the episodes still held: a purged one keeps no identity.
 */
export async function loadRepeatInput(stores: Pick<ReportStores, 'episodes'>, range: DateRange): Promise<Pick<ReportInput, 'episodes'>> {
  const { fromMs, toMs } = rangeBounds(range);
  const { inRange, earlier } = await rangeWithRepeats(stores.episodes, fromMs, toMs);
  return { episodes: [...earlier, ...inRange].map((r) => toReportEpisode(r, null)) };
}

/**
 * The board's repeat marks (SPEC §13): for the open episodes it shows, the count of their
 * child's episodes in the 90 days up to now when 3 or more. Reads the children of those
 * episodes only, through the child index: the work grows with the board, not the store.
 */
export async function loadRepeatCounts(episodes: EpisodeStore, open: readonly EpisodeRecord[], now: Date): Promise<Map<string, number>> {
  const [fromMs, toMs] = [now.getTime() - LOOK_BACK_MS, now.getTime() + 1];
  const recent = open.filter((r) => Date.parse(r.openedAt) >= fromMs && Date.parse(r.openedAt) < toMs);
  const others = await sameChildren(episodes, open, fromMs, toMs);
  return repeatEpisodeCounts([...recent, ...others].map((r) => toReportEpisode(r, null)));
}
