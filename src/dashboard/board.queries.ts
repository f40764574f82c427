import { episodeSummary } from '../episodes/episode-view';
import type { EpisodeStore } from '../episodes/episode.store';
import { loadRepeatCounts, type ReportStores } from '../reports/report.queries';
import { buildBoard, type Board } from './board';
import type { ReturnInterview } from './views/board';

/*
 * What the live board shows (SPEC §8). Reads only, each list from its index: open episodes in
 * the board's order (risk, then age), found ones by when the return interview is due.
 */

const DAY_MS = 24 * 3600_000;

/**
 * Open episodes the board shows, the most urgent first. A county has a few dozen open at once;
 * the cap keeps a live board (polled every 5 s by every screen) cheap if that is ever not so,
 * and the page says how many more are open.
 */
export const BOARD_LIMIT = 200;

/** How long after its due date a return home interview stays on the board. */
const RETURN_INTERVIEW_SHOWN_DAYS = 7;

/** Open episodes with their delivery counts, ranked, and each child's repeat count. */
export async function liveBoard(stores: ReportStores, now: Date): Promise<Board> {
  const { records, open } = await stores.episodes.mostUrgentOpen(BOARD_LIMIT);
  const summaries = await Promise.all(records.map(async (e) => episodeSummary(e, await stores.deliveries.ofEpisode(e.episodeId, false))));
  return buildBoard(summaries, now, await loadRepeatCounts(stores.episodes, records, now), open);
}

/**
 * Found episodes whose return home interview is due, or was due in the last week, soonest
 * first; not those whose interview is recorded as done.
 */
export async function returnInterviewsDue(episodes: EpisodeStore, now: Date): Promise<ReturnInterview[]> {
  const found = await episodes.returnInterviewsDueFrom(now.getTime() - RETURN_INTERVIEW_SHOWN_DAYS * DAY_MS);
  const done = await episodes.returnInterviewsDone(found.map((e) => e.episodeId));
  return found
    .filter((e) => e.state === 'found' && e.returnInterviewDueAt && !done.has(e.episodeId))
    .map((e) => ({ episodeId: e.episodeId, policeReference: e.policeReference, foundAt: e.foundAt ?? null, returnInterviewDueAt: e.returnInterviewDueAt! }));
}
