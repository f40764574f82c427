import type { ReportInput } from './report';
import { loadReportInput, type ReportStores } from './report.queries';
import type { DateRange } from './report-range';

/**
 * What `buildReport` needs for a range: the episodes and deliveries (report.queries.ts), and for
 * each found episode whether its return home interview was recorded as done, which the episode
 * store keeps beside the record (one read for the range).
 */
export async function loadReportInputWithInterviews(stores: ReportStores, range: DateRange): Promise<ReportInput> {
  const input = await loadReportInput(stores, range);
  const found = input.episodes.filter((e) => e.returnInterviewDueAt !== null).map((e) => e.episodeId);
  const done = await stores.episodes.returnInterviewsDone(found);
  return { ...input, episodes: input.episodes.map((e) => ({ ...e, returnInterviewDoneAt: done.get(e.episodeId)?.recordedAt ?? null })) };
}
