import type { ReportInput } from './report';
import { loadReportInput, toReportEpisode, type ReportStores } from './report.queries';
import { rangeBounds, type DateRange } from './report-range';

/**
 * What `buildReport` needs for a range: the episodes and deliveries (report.queries.ts), with the
 * found episodes whose return home interview falls due in the range whenever they opened (from
 * the store's index by due time; an earlier one counts in no other figure, which take only the
 * episodes opened in the range), and for each whether the interview was recorded as done: the
 * mark the episode store keeps beside the record, or a purged episode's anonymous row.
 */
export async function loadReportInputWithInterviews(stores: ReportStores, range: DateRange): Promise<ReportInput> {
  const { fromMs, toMs } = rangeBounds(range);
  const [input, due] = await Promise.all([loadReportInput(stores, range), stores.episodes.returnInterviewsDueBetween(fromMs, toMs)]);
  const held = new Set(input.episodes.map((e) => e.episodeId));
  const episodes = [...input.episodes, ...due.filter((r) => !held.has(r.episodeId)).map((r) => toReportEpisode(r, null))];
  const done = await stores.episodes.returnInterviewsDone(episodes.filter((e) => e.returnInterviewDueAt !== null).map((e) => e.episodeId));
  return { ...input, episodes: episodes.map((e) => ({ ...e, returnInterviewDoneAt: done.get(e.episodeId)?.recordedAt ?? e.returnInterviewDoneAt ?? null })) };
}
