import type { RedisClient } from '../platform/redis';
import { execReplicated } from '../platform/replica-wait';
import { defineScripts } from '../platform/scripts';
import type { EventType, MissingEvent } from './event.schema';

/** An accepted event as kept in Redis: the validated event plus intake facts. */
export type StoredEvent = {
  uid: string;
  feedId: string;
  eventId: string;
  episodeId: string;
  type: EventType;
  receivedAt: string;
  state: 'accepted' | 'routed';
  event: MissingEvent;
};

export type AcceptOutcome = (
  | { outcome: 'accepted'; episodeId: string }
  | { outcome: 'replay'; episodeId: string; state: StoredEvent['state'] }
  | { outcome: 'conflict' }
) & {
  /**
   * When the caller asked to wait for replicas: how many acknowledged the write (Redis WAIT),
   * and how many it needed (REDIS_WAIT_REPLICAS at least, and every replica online).
   */
  replicas?: number;
  replicasRequired?: number;
};

/** How long intake waits for replicas before answering 503 (the event stays stored). */
export const REPLICA_WAIT_MS = 1000;

/*
 * One script, so that the idempotency check, the record, its place in the episode and its
 * place in the fan-out outbox are written together or not at all. The outbox is what makes a
 * 202 a promise: an event stays there until fan-out has routed it, and the sweeper re-queues
 * whatever lingers (the BullMQ add happens after this script and can be lost to a crash).
 */
const ACCEPT = `
local purged = redis.call('GET', KEYS[4])
if purged then
  if purged == ARGV[1] then return {'replay', ARGV[4], 'routed'} end
  return {'conflict', '', ''}
end
local existing = redis.call('HGET', KEYS[1], 'contentHash')
if existing then
  if existing == ARGV[1] then
    -- Rewritten when the caller WAITs: the first write may have come from another connection.
    if ARGV[11] == '1' then redis.call('HSET', KEYS[1], 'contentHash', existing) end
    return {'replay', redis.call('HGET', KEYS[1], 'episodeId'), redis.call('HGET', KEYS[1], 'state')}
  end
  return {'conflict', '', ''}
end
redis.call('HSET', KEYS[1], 'contentHash', ARGV[1], 'event', ARGV[2], 'receivedAt', ARGV[3], 'episodeId', ARGV[4],
  'feedId', ARGV[5], 'eventId', ARGV[6], 'type', ARGV[7], 'state', 'accepted', 'uid', ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[9], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[10], ARGV[8])
return {'accepted', ARGV[4], 'accepted'}
`;

/** How long a purged event's id is remembered: well past any feed's retry or replay window. */
export const PURGED_MEMORY_SECONDS = 400 * 24 * 3600;

/** Marks an event routed and takes it out of the outbox, once. */
const MARK_ROUTED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'routed', 'routedAt', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/** The intake stage's Redis keys: event records, each episode's event index, the outbox. */
// eslint-disable-next-line max-lines-per-function -- a store factory: a set of small methods over its keys (README, Layout: exceptions)
export function createEventStore(redis: RedisClient, prefix: string) {
  const keys = {
    event: (uid: string) => `${prefix}:event:${uid}`,
    episodeEvents: (episodeId: string) => `${prefix}:episode-events:${episodeId}`,
    outbox: `${prefix}:outbox:fanout`,
    /** What is left of a purged event: its content hash, so a replay is answered, never re-sent. */
    purged: (uid: string) => `${prefix}:event-purged:${uid}`,
  };

  const scripts = defineScripts(redis, {
    eventAccept: { numberOfKeys: 4, lua: ACCEPT },
    eventMarkRouted: { numberOfKeys: 2, lua: MARK_ROUTED },
  });

  const fromHash = (h: Record<string, string>): StoredEvent | undefined =>
    h.uid
      ? {
          uid: h.uid,
          feedId: h.feedId!,
          eventId: h.eventId!,
          episodeId: h.episodeId!,
          type: h.type as EventType,
          receivedAt: h.receivedAt!,
          state: h.state as StoredEvent['state'],
          event: JSON.parse(h.event!) as MissingEvent,
        }
      : undefined;

  return {
    keys,

    /**
     * Records the event with its outbox entry, once. With `waitReplicas`, WAIT follows the
     * script on the same connection (in a Cluster, the slot's master) until every online
     * replica holds the write, and `replicas` says how many do.
     */
    async accept(input: {
      uid: string;
      feedId: string;
      episodeId: string;
      event: MissingEvent;
      contentHash: string;
      receivedAt: Date;
      waitReplicas?: number;
    }): Promise<AcceptOutcome> {
      const { uid, feedId, episodeId, event, receivedAt } = input;
      const waitReplicas = input.waitReplicas ?? 0;
      const pipeline = scripts.queue(
        redis.pipeline(),
        'eventAccept',
        [keys.event(uid), keys.episodeEvents(episodeId), keys.outbox, keys.purged(uid)],
        [
          input.contentHash,
          JSON.stringify(event),
          receivedAt.toISOString(),
          episodeId,
          feedId,
          event.eventId,
          event.type,
          uid,
          String(Date.parse(event.occurredAt)),
          String(receivedAt.getTime()),
          waitReplicas > 0 ? '1' : '0',
        ],
      );
      let results: [Error | null, unknown][];
      let replicas = {};
      if (waitReplicas > 0) {
        const replicated = await execReplicated(redis, pipeline, waitReplicas, REPLICA_WAIT_MS, keys.event(uid));
        results = replicated.results;
        replicas = { replicas: replicated.replicas, replicasRequired: replicated.required };
      } else {
        results = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
        for (const [err] of results) if (err) throw err;
      }
      const [outcome, id, state] = results[0]![1] as [string, string, string];
      if (outcome === 'conflict') return { outcome, ...replicas };
      if (outcome === 'replay') return { outcome, episodeId: id, state: state as StoredEvent['state'], ...replicas };
      return { outcome: 'accepted', episodeId: id, ...replicas };
    },

    async get(uid: string): Promise<StoredEvent | undefined> {
      return fromHash(await redis.hgetall(keys.event(uid)));
    },

    /** The episode's events in the order they happened (occurredAt), whatever order they arrived in. */
    async eventsOfEpisode(episodeId: string): Promise<StoredEvent[]> {
      const uids = await redis.zrange(keys.episodeEvents(episodeId), 0, -1);
      if (uids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const uid of uids) pipeline.hgetall(keys.event(uid));
      const rows = (await pipeline.exec()) ?? [];
      return rows.map(([, h]) => fromHash(h as Record<string, string>)).filter((e): e is StoredEvent => e !== undefined);
    },

    async markRouted(uid: string, at: Date): Promise<void> {
      await scripts.run('eventMarkRouted', [keys.event(uid), keys.outbox], [at.toISOString(), uid]);
    },

    /** Deletes an episode's events and their index (retention); returns the event uids that were there. */
    async purgeEpisode(episodeId: string): Promise<string[]> {
      const uids = await redis.zrange(keys.episodeEvents(episodeId), 0, -1);
      const hashes = await Promise.all(uids.map((uid) => redis.hget(keys.event(uid), 'contentHash')));
      const tx = redis.multi().del(keys.episodeEvents(episodeId));
      uids.forEach((uid, i) => {
        tx.del(keys.event(uid)).zrem(keys.outbox, uid);
        // A police system replaying a purged event must not alert about the child again.
        if (hashes[i]) tx.set(keys.purged(uid), hashes[i]!, 'EX', PURGED_MEMORY_SECONDS);
      });
      await tx.exec();
      return uids;
    },

    /** How many events wait in the outbox for their fan-out (queue health). */
    async outboxSize(): Promise<number> {
      return redis.zcard(keys.outbox);
    },

    /** Events accepted before `beforeMs` and not yet routed: the sweeper re-queues their fan-out. */
    async unrouted(beforeMs: number, limit = 500): Promise<string[]> {
      return redis.zrangebyscore(keys.outbox, '-inf', beforeMs, 'LIMIT', 0, limit);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
