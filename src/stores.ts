import type { RedisClient } from './platform/redis';
import { createAuditLog } from './access/audit.store';
import { createSessionStore } from './access/sessions.store';
import { createUserStore } from './access/users.store';
import { createDeliveryStore } from './delivery/delivery.store';
import { createDataQualityStore } from './directory/data-quality.store';
import { createDirectoryStore } from './directory/directory.store';
import { createEpisodeStore } from './episodes/episode.store';
import { createEventStore } from './intake/event.store';

/** Every stage's store over one connection and prefix: each owns its own keys. */
export function createStores(redis: RedisClient, prefix: string) {
  return {
    events: createEventStore(redis, prefix),
    episodes: createEpisodeStore(redis, prefix),
    deliveries: createDeliveryStore(redis, prefix),
    directory: createDirectoryStore(redis, prefix),
    dataQuality: createDataQualityStore(redis, prefix),
    users: createUserStore(redis, prefix),
    sessions: createSessionStore(redis, prefix),
    audit: createAuditLog(redis, prefix),
  };
}

export type Stores = ReturnType<typeof createStores>;
