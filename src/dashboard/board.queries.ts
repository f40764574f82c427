import { episodeSummary } from '../episodes/episode-view';
import type { EpisodeStore } from '../episodes/episode.store';
import { repeatEpisodeCounts } from '../reports/report';
import { loadRecentEpisodes, type ReportStores } from '../reports/report.queries';
import { buildBoard, type Board } from './board';
import type { ReturnInterview } from './views/board';

/*
 * What the live board shows (SPEC §8). Reads only. The board is every open episode, ranked by
 * risk: open episodes are the few being worked on now, so they are read whole; the list that
 * grows with time (found episodes) is read from its index by due date.
 */

const DAY_MS = 24 * 3600_000;

/** How long after its due date a return home interview stays on the board. */
const RETURN_INTERVIEW_SHOWN_DAYS = 7;

/** Open episodes with their delivery counts, ranked, and each child's repeat count. */
export async function liveBoard(stores: ReportStores, now: Date): Promise<Board> {
  const open = await stores.episodes.list('open');
  const summaries = await Promise.all(open.map(async (e) => episodeSummary(e, await stores.deliveries.ofEpisode(e.episodeId, false))));
  return buildBoard(summaries, now, repeatEpisodeCounts(await loadRecentEpisodes(stores, now)));
}

/** Found episodes whose return home interview is due, or was due in the last week, soonest first. */
export async function returnInterviewsDue(episodes: EpisodeStore, now: Date): Promise<ReturnInterview[]> {
  const found = await episodes.returnInterviewsDueFrom(now.getTime() - RETURN_INTERVIEW_SHOWN_DAYS * DAY_MS);
  return found
    .filter((e) => e.state === 'found' && e.returnInterviewDueAt)
    .map((e) => ({ episodeId: e.episodeId, policeReference: e.policeReference, foundAt: e.foundAt ?? null, returnInterviewDueAt: e.returnInterviewDueAt! }));
}
