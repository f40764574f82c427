import type { EpisodeState } from '../domain/episode-state';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeFacts } from './message-types';

/*
 * What delivery reads of an episode, named here so that delivery does not import the episodes
 * stage: episodes sits above delivery (its fan-out writes deliveries and queues sends), so
 * the arrow points one way only. The worker wiring hands in the episodes stage's own store
 * and fold (workers/start-workers.ts); both fit these shapes as they are.
 */

/** The episode record, as far as a send or a notice needs it. */
export type EpisodeLookup = {
  get(episodeId: string): Promise<{ state: EpisodeState; policeReference: string } | undefined>;
};

/** The episode fold (episodes/episode.ts): events to the facts a message describes. */
export type EpisodeFold = {
  /** The episode as all its events tell it. */
  all(events: readonly StoredEvent[]): { facts: EpisodeFacts };
  /** The episode as it stood at one event: what that event's messages describe, stable across resends. */
  asOf(events: readonly StoredEvent[], eventUid: string): { facts: EpisodeFacts };
};
