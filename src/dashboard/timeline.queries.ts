import type { DeliveryStore, DeliveryWithHistory } from '../delivery/delivery.store';
import { foldEpisode } from '../episodes/episode';
import type { EpisodeRecord, EpisodeStore, ReturnInterviewDone } from '../episodes/episode.store';
import type { EventStore, StoredEvent } from '../intake/event.store';

export type Timeline = {
  episode: EpisodeRecord;
  facts: EpisodeRecord['facts'];
  events: StoredEvent[];
  deliveries: DeliveryWithHistory[];
  returnInterview: ReturnInterviewDone | undefined;
};

/**
 * An episode's page (SPEC §8): the record, the child's details folded from its events (the
 * record's own when the events are gone), every event and every delivery with its history, and
 * the return home interview if it was recorded as done.
 */
export async function episodeTimeline(reads: { episodes: EpisodeStore; events: EventStore; deliveries: DeliveryStore }, episodeId: string): Promise<Timeline | undefined> {
  const episode = await reads.episodes.get(episodeId);
  if (!episode) return undefined;
  const [events, deliveries, done] = await Promise.all([
    reads.events.eventsOfEpisode(episodeId),
    reads.deliveries.ofEpisode(episodeId),
    reads.episodes.returnInterviewsDone([episodeId]),
  ]);
  const facts = events.length > 0 ? foldEpisode(events).facts : episode.facts;
  return { episode, facts, events, deliveries, returnInterview: done.get(episodeId) };
}
