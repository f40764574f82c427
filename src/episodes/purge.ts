import type { DeliveryStore } from '../delivery/delivery.store';
import type { EventStore } from '../intake/event.store';
import { moduleLogger } from '../platform/logger';
import { archivedEpisodeOf } from './episode-archive';
import type { EpisodeStore } from './episode.store';

const log = moduleLogger('purge');

export type PurgeDeps = {
  events: EventStore;
  episodes: EpisodeStore;
  deliveries: DeliveryStore;
  retentionDays: number;
  lockMs: number;
  now: () => Date;
};

/** Episodes purged per read of the index; the next sweep takes the rest. */
const BATCH = 500;

/**
 * SPEC §2: closed episodes and their deliveries are purged RETENTION_DAYS after closing. Only
 * the episodes due are read, from the index by closing time, never every closed episode. The
 * child's details live in the events and in the episode record's folded facts, and the
 * contacts' in the deliveries: all three go, so nothing personal outlives the retention
 * period; the audit log keeps its lines, which name ids only. What the reports count is kept
 * first, as an anonymous row (episode-archive.ts), so a report over a longer range still counts
 * the episode: before anything is deleted, so that a purge stopped part way loses nothing.
 */
export async function purgeExpired(deps: PurgeDeps): Promise<number> {
  const cutoff = deps.now().getTime() - deps.retentionDays * 24 * 3600_000;
  // Episodes closed before the closing-time index existed get their place in it first (once;
  // the workers do it at start-up too, so this is a single GET).
  await deps.episodes.upgradeIndexes(deps.lockMs);
  let purged = 0;
  for (const episodeId of await deps.episodes.closedBefore(cutoff, BATCH)) {
    const episode = await deps.episodes.get(episodeId);
    // An index entry whose record is gone would hold its place in every batch: clear it.
    if (!episode) await deps.episodes.purge(episodeId);
    if (!episode?.closedAt || episode.state === 'open' || Date.parse(episode.closedAt) > cutoff) continue;
    const release = await deps.episodes.lock(episodeId, deps.lockMs);
    if (!release) continue;
    try {
      const [events, deliveries] = await Promise.all([deps.events.eventsOfEpisode(episodeId), deps.deliveries.ofEpisode(episodeId, false)]);
      const row = archivedEpisodeOf(episode, events, deliveries);
      if (row) await deps.episodes.archive(row);
      const uids = await deps.events.purgeEpisode(episodeId);
      const deleted = await deps.deliveries.purgeEpisode(episodeId, uids);
      await deps.episodes.purge(episodeId);
      purged++;
      log.info({ episodeId, events: uids.length, deliveries: deleted, archived: row !== undefined }, 'episode purged');
    } finally {
      await release();
    }
  }
  return purged;
}
