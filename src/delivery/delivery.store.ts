import type { ChainableCommander } from 'ioredis';
import { moduleLogger } from '../platform/logger';
import { pageOfIndexes, type IndexPage, type Order, type Position } from '../platform/pagination';
import type { RedisClient } from '../platform/redis';
import { execReplicated } from '../platform/replica-wait';
import type { NotifyJob } from '../platform/queues';
import { defineScripts } from '../platform/scripts';
import { DELIVERY_STATUSES, ALLOWED_FROM, type DeliveryStatus } from './delivery-status';
import { fromHash, toHash, type DeliveryWithHistory, type HistoryEntry, type NewDelivery } from './delivery-record';
import type { MessageFacts } from './message-types';
import { ACKNOWLEDGE, CLAIM, CREATE, ESCALATE, RECORD_ANSWER, TRANSITION } from './delivery.scripts';
import { LOAD_FOR_SEND, parseSendLoad, type SendLoad } from './send-load';

/** A staff notice waiting in the outbox: its job and the job id that names the occasion. */
export type OutboxNotice = { job: NotifyJob; jobId: string };

/** What a status change carries besides the new status (DeliveryStore.transition). */
export type TransitionChange = {
  detail: string;
  fields?: Record<string, string | null>;
  countAttempt?: boolean;
  from?: readonly DeliveryStatus[];
  /** The delivery's event, when the caller has it: saves a read on the send path. */
  eventUid?: string;
  /**
   * REDIS_WAIT_REPLICAS: wait (Redis WAIT, bounded) until this many replicas hold the change.
   * Used for `sent`, so a failover cannot forget a send and make it go twice.
   */
  waitReplicas?: number;
  /** Writes that travel in the same trip, after the change (the delivery's metric counters). */
  also?: (pipeline: ChainableCommander) => void;
  /** A staff notice the change calls for: put in the notice outbox by the same script, only if the change is made. */
  notice?: OutboxNotice;
};

/** Who a claim sends to, checked against the directory in the same step (CLAIM). */
export type ClaimedRecipient = {
  /** The organisation's document key, as the directory store names it. */
  organisationKey: string;
  contactId: string;
  email: string;
};

/** A status change's answer: the status it left, or why it was not made. */
export type TransitionResult = { ok: true; from: DeliveryStatus } | { ok: false; current: DeliveryStatus | undefined };

/** A claim's answer: also, when the directory no longer sends there, its organisation document as it is now. */
export type ClaimResult = TransitionResult | { ok: false; current: DeliveryStatus; organisation: string | null };

/** The outbox member of a notice: always spelt the same, so the one written is the one removed. */
const outboxMember = (n: OutboxNotice) => JSON.stringify({ job: { notice: n.job.notice, deliveryId: n.job.deliveryId }, jobId: n.jobId });

// The record's types are defined in delivery-record.ts; most readers know them from here.
export type { Delivery, DeliveryWithHistory, HistoryEntry, NewDelivery } from './delivery-record';
export type { SendLoad } from './send-load';

const log = moduleLogger('delivery-store');

/** How long a `sent` record waits for replicas; past it the send stands and the worker goes on. */
const SENT_REPLICA_WAIT_MS = 1000;

/**
 * The indexes a list of deliveries is read from: every delivery by creation time, those in
 * some statuses by when they entered it, or direct alerts sent and unacknowledged by time sent.
 */
export type DeliveryIndex = { by: 'created' } | { by: 'status'; statuses: readonly DeliveryStatus[] } | { by: 'unacknowledged' };

/** What TRANSITION answered, as the store's callers take it. */
function transitionResult(result: unknown): TransitionResult {
  const [outcome, status] = result as [string, string];
  if (outcome === 'ok') return { ok: true, from: status as DeliveryStatus };
  return { ok: false, current: outcome === 'missing' ? undefined : (status as DeliveryStatus) };
}

/** Runs a pipeline whose first command is the change; the writes after it are figures, logged if they fail, never allowed to undo a send. */
async function firstResult(pipeline: ChainableCommander, deliveryId: string): Promise<unknown> {
  const [[err, value] = [null, undefined], ...rest] = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
  if (err) throw err;
  for (const [e] of rest) if (e) log.warn({ deliveryId, error: e.message }, 'write after a transition failed');
  return value;
}

/** The delivery stage's Redis keys: records, histories, per-event counts and status indexes. */
// eslint-disable-next-line max-lines-per-function -- a store factory: a set of small methods over its keys (README, Layout: exceptions)
export function createDeliveryStore(redis: RedisClient, prefix: string) {
  const keys = {
    delivery: (id: string) => `${prefix}:delivery:${id}`,
    history: (id: string) => `${prefix}:delivery-history:${id}`,
    episode: (episodeId: string) => `${prefix}:episode-deliveries:${episodeId}`,
    eventCounts: (uid: string) => `${prefix}:event-delivery-counts:${uid}`,
    byStatus: (status: DeliveryStatus) => `${prefix}:deliveries:status:${status}`,
    log: `${prefix}:deliveries:log`,
    unacknowledged: `${prefix}:deliveries:unacknowledged`,
    escalationWatch: `${prefix}:deliveries:escalation-watch`,
    /** Staff notices a status change called for, by when: written with the change, removed once queued. */
    noticeOutbox: `${prefix}:deliveries:notice-outbox`,
    /** Per event: what its messages describe, one field per asOf (MessageFacts JSON); purged with the episode. */
    messageFacts: (uid: string) => `${prefix}:message-facts:${uid}`,
  };

  const scripts = defineScripts(redis, {
    deliveryCreate: { numberOfKeys: 6, lua: CREATE },
    deliveryTransition: { numberOfKeys: 6 + DELIVERY_STATUSES.length, lua: TRANSITION },
    deliveryClaim: { numberOfKeys: 7 + DELIVERY_STATUSES.length, lua: CLAIM },
    deliveryAcknowledge: { numberOfKeys: 4, lua: ACKNOWLEDGE },
    deliveryRecordAnswer: { numberOfKeys: 2, lua: RECORD_ANSWER },
    deliveryEscalate: { numberOfKeys: 3, lua: ESCALATE },
    deliveryLoadForSend: { numberOfKeys: 1, lua: LOAD_FOR_SEND },
  });

  async function transitionKeys(deliveryId: string, change: Pick<TransitionChange, 'eventUid'>): Promise<string[]> {
    return [
      keys.delivery(deliveryId),
      keys.history(deliveryId),
      // The counts key is declared up front (Cluster): the event uid never changes, so reading it first is safe.
      keys.eventCounts(change.eventUid ?? (await redis.hget(keys.delivery(deliveryId), 'eventUid')) ?? 'unknown'),
      keys.unacknowledged,
      keys.escalationWatch,
      ...DELIVERY_STATUSES.map(keys.byStatus),
      keys.noticeOutbox,
    ];
  }

  const transitionArgs = (to: DeliveryStatus, now: Date, change: TransitionChange): string[] => [
    (change.from ?? ALLOWED_FROM[to]).join(','),
    to,
    now.toISOString(),
    String(now.getTime()),
    JSON.stringify({ at: now.toISOString(), status: to, detail: change.detail } satisfies HistoryEntry),
    change.countAttempt ? '1' : '0',
    JSON.stringify(change.fields ?? {}),
    change.notice ? outboxMember(change.notice) : '',
  ];

  async function loadMany(ids: string[], withHistory: boolean): Promise<DeliveryWithHistory[]> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) {
      pipeline.hgetall(keys.delivery(id));
      if (withHistory) pipeline.lrange(keys.history(id), 0, -1);
    }
    const rows = (await pipeline.exec()) ?? [];
    const out: DeliveryWithHistory[] = [];
    const step = withHistory ? 2 : 1;
    for (let i = 0; i < rows.length; i += step) {
      const d = fromHash(rows[i]![1] as Record<string, string>, withHistory ? (rows[i + 1]![1] as string[]) : []);
      if (d) out.push({ ...d, history: d.history ?? [] });
    }
    return out;
  }

  const store = {
    keys,

    /** Creates the delivery unless it exists; true when this call created it. */
    async create(delivery: NewDelivery, now: Date, detail: string): Promise<boolean> {
      return (await store.createMany([delivery], now, detail)).has(delivery.deliveryId);
    },

    /**
     * Creates each delivery that does not exist, in one round trip: the create script once per
     * delivery in a pipeline, so each record stays whole on its own while the batch is not one
     * step (a crash between leaves some created, and running again creates the rest). Returns
     * the ids this call created.
     */
    async createMany(deliveries: readonly NewDelivery[], now: Date, detail: string | ((delivery: NewDelivery) => string)): Promise<Set<string>> {
      if (deliveries.length === 0) return new Set();
      const pipeline = redis.pipeline();
      for (const delivery of deliveries) {
        const entry: HistoryEntry = { at: now.toISOString(), status: delivery.status, detail: typeof detail === 'string' ? detail : detail(delivery) };
        scripts.queue(
          pipeline,
          'deliveryCreate',
          [
            keys.delivery(delivery.deliveryId),
            keys.history(delivery.deliveryId),
            keys.episode(delivery.episodeId),
            keys.eventCounts(delivery.eventUid),
            keys.byStatus(delivery.status),
            keys.log,
          ],
          [
            JSON.stringify(toHash(delivery, now)),
            JSON.stringify(entry),
            String(now.getTime()),
            delivery.deliveryId,
          ],
        );
      }
      const results = (await pipeline.exec()) ?? [];
      const created = new Set<string>();
      results.forEach(([error, outcome], i) => {
        if (error) throw error;
        if (outcome === 1) created.add(deliveries[i]!.deliveryId);
      });
      return created;
    },

    /**
     * Keeps what one event's messages describe (SPEC §5), per asOf, before its deliveries are
     * written: every send of them, first or retried, renders the same facts without folding
     * the episode again.
     */
    async putMessageFacts(eventUid: string, byAsOf: ReadonlyMap<string, MessageFacts>): Promise<void> {
      if (byAsOf.size === 0) return;
      // The first kept stays: a fan-out run again after later events arrived must not change what was sent.
      const pipeline = redis.pipeline();
      for (const [asOf, facts] of byAsOf) pipeline.hsetnx(keys.messageFacts(eventUid), asOf, JSON.stringify(facts));
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    },

    /**
     * The send path's read, in one trip: the record (without history), the episode's and the
     * organisation's documents at the keys the templates name, and the stored message facts.
     */
    async loadForSend(deliveryId: string, templates: { episode: string; organisation: string }): Promise<SendLoad | undefined> {
      const args = [templates.episode, templates.organisation, keys.messageFacts('<eventUid>')];
      return parseSendLoad(await scripts.run('deliveryLoadForSend', [keys.delivery(deliveryId)], args));
    },

    async get(deliveryId: string): Promise<DeliveryWithHistory | undefined> {
      return (await loadMany([deliveryId], true))[0];
    },

    /**
     * Moves a delivery to `to` if its status allows (delivery-status.ts); returns the status it
     * had, or `refused` with the current status when the move is not allowed.
     */
    async transition(deliveryId: string, to: DeliveryStatus, now: Date, change: TransitionChange): Promise<TransitionResult> {
      const scriptKeys = await transitionKeys(deliveryId, change);
      const args = transitionArgs(to, now, change);
      let result: unknown;
      if (change.waitReplicas && change.waitReplicas > 0) {
        // WAIT on the connection (and, in a Cluster, the node) that wrote, for every online replica.
        const pipeline = scripts.queue(redis.pipeline(), 'deliveryTransition', scriptKeys, args);
        change.also?.(pipeline);
        const { results } = await execReplicated(redis, pipeline, change.waitReplicas, SENT_REPLICA_WAIT_MS, keys.delivery(deliveryId));
        result = results[0]?.[1];
      } else if (change.also) {
        const pipeline = scripts.queue(redis.pipeline(), 'deliveryTransition', scriptKeys, args);
        change.also(pipeline);
        result = await firstResult(pipeline, deliveryId);
      } else {
        result = await scripts.run('deliveryTransition', scriptKeys, args);
      }
      return transitionResult(result);
    },

    /**
     * Claims a delivery for one attempt (`sending`, attempts + 1) only while the directory, read
     * in the same step, still has the recipient's contact active at that address in an active
     * organisation (SPEC §6, §11). When it has not, nothing changes and the organisation's
     * document as it is now comes back, for the send to decide again.
     */
    async claim(deliveryId: string, now: Date, change: Pick<TransitionChange, 'detail' | 'fields' | 'eventUid'>, recipient: ClaimedRecipient): Promise<ClaimResult> {
      const claimKeys = [...(await transitionKeys(deliveryId, change)), recipient.organisationKey];
      const result = await scripts.run('deliveryClaim', claimKeys, [...transitionArgs('sending', now, { ...change, countAttempt: true }), recipient.contactId, recipient.email]);
      const [outcome, status, organisation] = result as [string, string, string | undefined];
      if (outcome === 'recipient') return { ok: false, current: status as DeliveryStatus, organisation: organisation || null };
      return transitionResult(result);
    },

    /** Notices put in the outbox before `beforeMs` and not yet taken out: the sweeper queues them. */
    async outboxNotices(beforeMs: number, limit = 500): Promise<OutboxNotice[]> {
      const members = await redis.zrangebyscore(keys.noticeOutbox, '-inf', beforeMs, 'LIMIT', 0, limit);
      return members.map((m) => JSON.parse(m) as OutboxNotice);
    },

    /** Takes a notice out of the outbox once its job is queued. */
    async noticeQueued(notice: OutboxNotice): Promise<void> {
      await redis.zrem(keys.noticeOutbox, outboxMember(notice));
    },

    async acknowledge(deliveryId: string, now: Date, detail: string): Promise<{ outcome: 'ok' | 'already' | 'missing'; acknowledgedAt?: string }> {
      const [outcome, at] = (await scripts.run(
        'deliveryAcknowledge',
        [keys.delivery(deliveryId), keys.history(deliveryId), keys.unacknowledged, keys.escalationWatch],
        [now.toISOString(), JSON.stringify({ at: now.toISOString(), status: 'acknowledged', detail } satisfies HistoryEntry)],
      )) as [string, string];
      return { outcome: outcome as 'ok' | 'already' | 'missing', ...(at ? { acknowledgedAt: at } : {}) };
    },

    /** Sets escalatedAt once; false when already escalated or acknowledged. */
    async markEscalated(deliveryId: string, now: Date, detail: string): Promise<boolean> {
      const done = await scripts.run(
        'deliveryEscalate',
        [keys.delivery(deliveryId), keys.history(deliveryId), keys.escalationWatch],
        [now.toISOString(), JSON.stringify({ at: now.toISOString(), status: 'escalated', detail } satisfies HistoryEntry)],
      );
      return done === 1;
    },

    /** Adds a line to the history without a change of status (a notice sent, a retry asked for). */
    async note(deliveryId: string, entry: HistoryEntry): Promise<void> {
      await redis.rpush(keys.history(deliveryId), JSON.stringify(entry));
    },

    async ofEpisode(episodeId: string, withHistory = true): Promise<DeliveryWithHistory[]> {
      return loadMany(await redis.zrange(keys.episode(episodeId), 0, -1), withHistory);
    },

    async countsOfEvent(uid: string): Promise<Record<string, number>> {
      const raw = await redis.hgetall(keys.eventCounts(uid));
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]).filter(([, n]) => (n as number) > 0));
    },

    /** Deliveries now in a status, oldest change first; `before` bounds the time of that change. */
    async withStatus(status: DeliveryStatus, options: { beforeMs?: number; limit?: number } = {}): Promise<string[]> {
      return redis.zrangebyscore(keys.byStatus(status), '-inf', options.beforeMs ?? '+inf', 'LIMIT', 0, options.limit ?? 1000);
    },

    /** When the delivery longest in `status` entered it (ms), if any: the backlog's age. */
    async oldestSince(status: DeliveryStatus): Promise<number | undefined> {
      const [, score] = await redis.zrange(keys.byStatus(status), 0, 0, 'WITHSCORES');
      return score === undefined ? undefined : Number(score);
    },

    async load(ids: string[], withHistory = false): Promise<DeliveryWithHistory[]> {
      return loadMany(ids, withHistory);
    },

    /** Direct deliveries sent and not yet acknowledged, by time sent. */
    async unacknowledged(options: { sentBeforeMs?: number; limit?: number } = {}): Promise<string[]> {
      return redis.zrangebyscore(keys.unacknowledged, '-inf', options.sentBeforeMs ?? '+inf', 'LIMIT', 0, options.limit ?? 1000);
    },

    /** Sent, ackable, neither acknowledged nor escalated: what the escalation task watches. */
    async awaitingEscalation(sentBeforeMs: number, limit = 1000): Promise<string[]> {
      return redis.zrangebyscore(keys.escalationWatch, '-inf', sentBeforeMs, 'LIMIT', 0, limit);
    },

    /** Stops escalation watching a delivery (its episode closed): nothing to chase any more. */
    async stopWatching(deliveryId: string): Promise<void> {
      await redis.zrem(keys.escalationWatch, deliveryId);
    },

    /**
     * Keeps what the recipient said on acknowledging (SPEC §7): in school today, a note for
     * police. Once per delivery, in one script: true when this call kept it, false when an
     * answer was already there (which is left as it was).
     */
    async recordAckAnswer(deliveryId: string, answer: { inSchoolToday?: boolean; note?: string }, now: Date): Promise<boolean> {
      const fields: Record<string, string> = { ackAnsweredAt: now.toISOString() };
      if (answer.inSchoolToday !== undefined) fields.ackInSchoolToday = answer.inSchoolToday ? 'yes' : 'no';
      if (answer.note) fields.ackNote = answer.note;
      const kept = await scripts.run(
        'deliveryRecordAnswer',
        [keys.delivery(deliveryId), keys.history(deliveryId)],
        [
          JSON.stringify(fields),
          JSON.stringify({ at: now.toISOString(), status: 'acknowledged', detail: 'answer received from the recipient' } satisfies HistoryEntry),
        ],
      );
      return kept === 1;
    },

    /** Deletes every delivery of an episode with its history, counts and index entries (retention). */
    async purgeEpisode(episodeId: string, eventUids: string[]): Promise<number> {
      const ids = await redis.zrange(keys.episode(episodeId), 0, -1);
      const tx = redis.multi().del(keys.episode(episodeId));
      for (const uid of eventUids) tx.del(keys.eventCounts(uid), keys.messageFacts(uid));
      for (const id of ids) {
        tx.del(keys.delivery(id), keys.history(id)).zrem(keys.log, id).zrem(keys.unacknowledged, id).zrem(keys.escalationWatch, id);
        for (const status of DELIVERY_STATUSES) tx.zrem(keys.byStatus(status), id);
      }
      await tx.exec();
      return ids.length;
    },

    /**
     * One page of delivery ids from an index (several statuses merge into one order), after
     * `after`, within [min, max] of the index's time: the page's cost is its own size.
     */
    async page(index: DeliveryIndex, page: { order: Order; limit: number; after?: Position; min?: number; max?: number }): Promise<IndexPage> {
      const indexKeys = index.by === 'created' ? [keys.log] : index.by === 'unacknowledged' ? [keys.unacknowledged] : index.statuses.map(keys.byStatus);
      return pageOfIndexes(redis, indexKeys, page);
    },

    /** How many deliveries were created in [fromMs, toMs]: the export's size, before it streams. */
    async countCreatedBetween(fromMs: number, toMs: number): Promise<number> {
      return redis.zcount(keys.log, fromMs, toMs);
    },
  };
  return store;
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
