import type { Queue } from 'bullmq';
import { jobOptions } from '../platform/job-options';
import { moduleLogger } from '../platform/logger';
import type { FanoutJob } from '../platform/queues';
import { withRedis } from '../platform/redis';
import type { AcceptedBody } from './event.schema';
import type { EventStore } from './event.store';
import { contentHash, episodeIdOf, eventUid } from './ids';
import type { FieldError } from '../platform/problem';
import { parseEvent } from './parse-event';

const log = moduleLogger('intake');

export type AcceptDeps = {
  events: EventStore;
  fanout: Queue<FanoutJob>;
  /** REDIS_WAIT_REPLICAS: replicas that must hold an event before it is acknowledged. */
  waitReplicas?: number;
};
/**
 * What became of a posted event. `accepted` and `replay` are stored and queued; `conflict` is an
 * eventId reused for other content; `not-replicated` is stored but not yet on enough replicas
 * (REDIS_WAIT_REPLICAS) for a 202, so the caller retries with the same eventId.
 */
export type AcceptResult =
  | { outcome: 'accepted'; body: AcceptedBody }
  | { outcome: 'replay'; body: AcceptedBody }
  | { outcome: 'invalid'; errors: FieldError[] }
  | { outcome: 'conflict' }
  | { outcome: 'not-replicated' };

/** The fan-out job of an event. Its id is derived, so adding it twice queues it once. */
export async function enqueueFanout(fanout: Queue<FanoutJob>, uid: string): Promise<void> {
  await fanout.add('fanout', { eventUid: uid }, jobOptions.fanout(`fo-${uid}`));
}

/**
 * Accepts one posted event: validate, record it atomically with its outbox entry, queue
 * its fan-out. Resolves only once both are in Redis, so a 202 is a promise kept. Answers an
 * outcome, never an HTTP status: the router says what each means to the caller.
 */
export async function acceptEvent(deps: AcceptDeps, feedId: string, body: unknown, now: Date): Promise<AcceptResult> {
  const parsed = parseEvent(body, now);
  if (!parsed.ok) return { outcome: 'invalid', errors: parsed.errors };
  const { event } = parsed;
  const uid = eventUid(feedId, event.eventId);
  const episodeId = episodeIdOf(feedId, event.policeReference);

  const stored = await withRedis(() =>
    deps.events.accept({ uid, feedId, episodeId, event, contentHash: contentHash(event), receivedAt: now, waitReplicas: deps.waitReplicas ?? 0 }),
  );
  if (stored.outcome === 'conflict') return { outcome: 'conflict' };
  /*
   * Not on enough replicas in time (a replica down, or a failover under way): no 202, since a
   * failover now could lose the event. It stays stored and in the outbox, so if it survives the
   * sweeper routes it; the caller's retry with the same eventId is a replay that waits again.
   */
  if (stored.replicas !== undefined && stored.replicas < (stored.replicasRequired ?? deps.waitReplicas ?? 0)) {
    log.warn({ feedId, eventUid: uid, replicas: stored.replicas, required: stored.replicasRequired }, 'event not yet on enough replicas');
    return { outcome: 'not-replicated' };
  }
  // A replay of an event whose first answer was lost may also have lost its job: queue it again.
  if (stored.outcome === 'accepted' || stored.state === 'accepted') {
    await withRedis(() => enqueueFanout(deps.fanout, uid));
  }
  log.info({ feedId, eventUid: uid, episodeId: stored.episodeId, type: event.type, replay: stored.outcome === 'replay' }, 'event accepted');
  const answer: AcceptedBody = { eventId: event.eventId, episodeId: stored.episodeId, status: 'accepted' };
  return { outcome: stored.outcome, body: answer };
}
