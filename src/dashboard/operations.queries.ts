import type { EventStore } from '../intake/event.store';
import { workersAlive } from '../platform/heartbeat';
import { QUEUE_NAMES, type Queues } from '../platform/queues';
import type { RedisClient } from '../platform/redis';
import type { QueueHealth } from './views/operations';

/** The queue health page (SPEC §8): job counts per queue, live workers, events waiting in the outbox. */
export async function queueHealth(deps: { queues: Queues; redis: RedisClient; prefix: string; events: EventStore }, now: Date): Promise<QueueHealth> {
  return {
    queues: await Promise.all(
      Object.values(QUEUE_NAMES).map(async (name) => ({
        name,
        counts: await deps.queues[name].getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      })),
    ),
    workersAlive: await workersAlive(deps.redis, deps.prefix, now.getTime()),
    outbox: await deps.events.outboxSize(),
  };
}
