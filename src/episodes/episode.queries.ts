import type { DeliveryStore } from '../delivery/delivery.store';
import type { EventStore } from '../intake/event.store';
import type { Position } from '../platform/pagination';
import { episodeJson, episodeSummary } from './episode-view';
import type { EpisodeFilter, EpisodeRecord, EpisodeStore } from './episode.store';

/*
 * The read side of the episodes stage: what the tracking API shows of episodes, a page at a
 * time from the index that holds exactly the filter's episodes (SPEC §6). Reads only.
 */

export type EpisodeReads = { episodes: EpisodeStore; events: EventStore; deliveries: DeliveryStore };

/** The name a cursor carries, so that one list's cursor is not taken for another's. */
export const episodeListName = (filter: EpisodeFilter) => `e-${filter.feedId ?? 'all'}-${filter.state ?? 'any'}`;

/** One episode as SPEC §6 shows it: its events and every delivery, plus the summary counts. */
async function withEventsAndDeliveries(reads: EpisodeReads, episode: EpisodeRecord) {
  const [events, deliveries] = await Promise.all([reads.events.eventsOfEpisode(episode.episodeId), reads.deliveries.ofEpisode(episode.episodeId)]);
  return { ...episodeJson(episode, events, deliveries), counts: episodeSummary(episode, deliveries).counts };
}

/** `GET /api/v1/episodes`: a page of episodes, newest opened first, each whole. */
export async function listEpisodes(reads: EpisodeReads, filter: EpisodeFilter, page: { limit: number; after?: Position }) {
  const { ids, next } = await reads.episodes.page(filter, page);
  const records = await reads.episodes.getMany(ids);
  // Side by side: ioredis pipelines the page's reads into a few round trips.
  return { episodes: await Promise.all(records.map((e) => withEventsAndDeliveries(reads, e))), next };
}

/** `GET /api/v1/episodes/{episodeId}`: the episode with its events and every delivery and its history. */
export async function episodeDetail(reads: EpisodeReads, episodeId: string) {
  const episode = await reads.episodes.get(episodeId);
  if (!episode) return undefined;
  const [events, deliveries] = await Promise.all([reads.events.eventsOfEpisode(episodeId), reads.deliveries.ofEpisode(episodeId)]);
  return { feedId: episode.feedId, json: episodeJson(episode, events, deliveries) };
}
