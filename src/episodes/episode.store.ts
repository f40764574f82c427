import { createHash, randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { pageOfIndexes, type IndexPage, type Order, type Position } from '../platform/pagination';
import type { RedisClient } from '../platform/redis';
import { defineScripts } from '../platform/scripts';
import { RISKS } from '../domain/risk';
import type { EpisodeState } from '../domain/episode-state';
import type { EpisodeView } from './episode';
import type { OrganisationRef, OrganisationType } from '../domain/organisation-ref';
import type { Audience } from '../domain/audience';
import { identityKeys } from '../domain/child-identity';
import type { ArchivedEpisode } from './episode-archive';

/** What the episode keeps beside its folded picture. */
export type EpisodeRecord = EpisodeView & {
  locality: string | undefined;
  unroutable: OrganisationRef[];
  inactive: OrganisationRef[];
  noActiveContacts?: OrganisationRef[];
  updatedAt: string;
  /**
   * The found/cancelled event whose fan-out closed the episode. The folded state may say
   * closed earlier (a close stored but not yet fanned out); only this says it was announced.
   */
  closedBy?: string;
  /** When the alert was fanned out: the start of the reminder clock. */
  alertedAt?: string;
  remindersSent?: number;
  lastReminderAt?: string;
};

/** A contact this episode has written to, with the delivery its later messages thread to. */
export type RecipientEntry = { orgType: OrganisationType; orgId: string; contactId: string; audience: Audience; threadRoot: string };

/** SPEC §7: a found child's return home interview, recorded as done on the dashboard (when, and by whom as the audit log names them). */
export type ReturnInterviewDone = { recordedAt: string; recordedBy: string };

export const recipientKey = (r: { orgType: OrganisationType; orgId: string; contactId: string }) => `${r.orgType}:${r.orgId}:${r.contactId}`;

const STATES = ['open', 'found', 'cancelled'] as const;

/** Bumped when an index is added: `upgradeIndexes` then fills it from the records once. */
const INDEX_VERSION = '4';

/**
 * An open episode's place on the live board: highest risk first (RISKS runs lowest first; no
 * risk yet goes last), then the longest open. Opening times in ms stay below 1e13.
 */
const boardScore = (record: EpisodeRecord) => {
  const rank = record.risk ? RISKS.length - 1 - RISKS.indexOf(record.risk) : RISKS.length;
  return rank * 1e13 + Date.parse(record.openedAt);
};

/** The keys that recognise the episode's child (SPEC §13: person id, feed + name + date of birth). */
export const childKeysOf = (record: EpisodeRecord): string[] => identityKeys({ ...record.facts.child, feedId: record.feedId });

/** Which episodes a list shows: SPEC §6 filters by state, and a feed sees only its own. */
export type EpisodeFilter = { state?: EpisodeState; feedId?: string };

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The episodes stage's Redis keys: the folded record, its recipients, indexes and a lock. */
// eslint-disable-next-line max-lines-per-function -- a store factory: a set of small methods over its keys (README, Layout: exceptions)
export function createEpisodeStore(redis: RedisClient, prefix: string) {
  const keys = {
    episode: (id: string) => `${prefix}:episode:${id}`,
    recipients: (id: string) => `${prefix}:episode-recipients:${id}`,
    lock: (id: string) => `${prefix}:lock:episode:${id}`,
    all: `${prefix}:episodes`,
    state: (state: EpisodeState) => `${prefix}:episodes:state:${state}`,
    /** The list indexes (SPEC §6), by opening time: per state, per feed, per feed and state. */
    openedInState: (state: EpisodeState) => `${prefix}:episodes:opened:${state}`,
    ofFeed: (feedId: string) => `${prefix}:episodes:feed:${feedId}`,
    ofFeedInState: (feedId: string, state: EpisodeState) => `${prefix}:episodes:feed:${feedId}:${state}`,
    /** Closed episodes by closing time: the retention purge reads only those due. */
    closedAt: `${prefix}:episodes:closed-at`,
    /** Open episodes in the board's order (boardScore). */
    board: `${prefix}:episodes:board`,
    /** Found episodes by when their return home interview is due (the board's list). */
    returnInterviews: `${prefix}:episodes:return-interviews`,
    /**
     * Return home interviews recorded as done, by episode id. Beside the record, not in it: the
     * fan-out rewrites the record from the events, and this is no event's to change.
     */
    returnInterviewDone: `${prefix}:episodes:return-interview-done`,
    /** Open episodes by the time their next reminder counts from (last reminder, else alert): reminders read only those due. */
    reminderFrom: `${prefix}:episodes:reminder-from`,
    /**
     * Episodes by opening time per child key (childKeysOf), for the repeats of the board and the
     * reports. Named by a digest: a key name shows in SLOWLOG and MONITOR, a child's name must not.
     */
    child: (childKey: string) => `${prefix}:episodes:child:${createHash('sha256').update(childKey).digest('hex').slice(0, 32)}`,
    indexVersion: `${prefix}:episodes:index-version`,
    /** The anonymous rows the purge keeps for the reports (episode-archive.ts), by episode id, and by opening time. */
    archive: `${prefix}:episodes:archive`,
    archivedOpened: `${prefix}:episodes:archive:opened`,
  };
  const scripts = defineScripts(redis, { episodeLockRelease: { numberOfKeys: 1, lua: RELEASE } });
  const parse = (json: string | null) => (json ? (JSON.parse(json) as EpisodeRecord) : undefined);

  /** Puts the episode in (and out of) every index, in the caller's transaction; `previous` = the record it replaces. */
  function index(tx: ChainableCommander, record: EpisodeRecord, previous?: EpisodeRecord): void {
    const { episodeId, feedId } = record;
    const opened = Date.parse(record.openedAt);
    tx.zadd(keys.all, opened, episodeId).zadd(keys.ofFeed(feedId), opened, episodeId);
    const childKeys = childKeysOf(record);
    for (const key of childKeys) tx.zadd(keys.child(key), opened, episodeId);
    // An update that corrects the child's name or id moves the episode to its new keys.
    for (const key of previous ? childKeysOf(previous) : []) if (!childKeys.includes(key)) tx.zrem(keys.child(key), episodeId);
    for (const state of STATES) {
      if (state === record.state) tx.sadd(keys.state(state), episodeId).zadd(keys.openedInState(state), opened, episodeId).zadd(keys.ofFeedInState(feedId, state), opened, episodeId);
      else tx.srem(keys.state(state), episodeId).zrem(keys.openedInState(state), episodeId).zrem(keys.ofFeedInState(feedId, state), episodeId);
    }
    if (record.state === 'open') tx.zadd(keys.board, boardScore(record), episodeId);
    else tx.zrem(keys.board, episodeId);
    if (record.state !== 'open' && record.closedAt) tx.zadd(keys.closedAt, Date.parse(record.closedAt), episodeId);
    else tx.zrem(keys.closedAt, episodeId);
    if (record.state === 'found' && record.returnInterviewDueAt) tx.zadd(keys.returnInterviews, Date.parse(record.returnInterviewDueAt), episodeId);
    else tx.zrem(keys.returnInterviews, episodeId);
    const reminderFrom = record.lastReminderAt ?? record.alertedAt;
    if (record.state === 'open' && reminderFrom) tx.zadd(keys.reminderFrom, Date.parse(reminderFrom), episodeId);
    else tx.zrem(keys.reminderFrom, episodeId);
  }

  async function lock(episodeId: string, ttlMs = 30_000): Promise<(() => Promise<void>) | undefined> {
    const token = randomUUID();
    const got = await redis.set(keys.lock(episodeId), token, 'PX', ttlMs, 'NX');
    if (got !== 'OK') return undefined;
    return async () => {
      await scripts.run('episodeLockRelease', [keys.lock(episodeId)], [token]);
    };
  }

  async function getMany(ids: string[]): Promise<EpisodeRecord[]> {
    if (ids.length === 0) return [];
    return (await redis.mget(ids.map(keys.episode))).map(parse).filter((r): r is EpisodeRecord => r !== undefined);
  }

  return {
    keys,

    async get(episodeId: string): Promise<EpisodeRecord | undefined> {
      return parse(await redis.get(keys.episode(episodeId)));
    },

    /** Writes the record and its indexes in one step; `previous` (the record as read under the lock) lets a changed child leave its old keys. */
    async save(record: EpisodeRecord, previous?: EpisodeRecord): Promise<void> {
      const tx = redis.multi().set(keys.episode(record.episodeId), JSON.stringify(record));
      index(tx, record, previous);
      await tx.exec();
    },

    /** The records of `ids` that exist, in the order asked. */
    getMany,

    /**
     * One page of episode ids, newest opened first, from the index that holds exactly the
     * filter's episodes: the page costs its own size whatever the number of episodes.
     */
    async page(filter: EpisodeFilter, page: { limit: number; after?: Position; order?: Order }): Promise<IndexPage> {
      const { state, feedId } = filter;
      const key = feedId ? (state ? keys.ofFeedInState(feedId, state) : keys.ofFeed(feedId)) : state ? keys.openedInState(state) : keys.all;
      return pageOfIndexes(redis, [key], { order: page.order ?? 'newest', limit: page.limit, ...(page.after ? { after: page.after } : {}) });
    },

    /** Closed episodes whose closing time is at or before `cutoffMs`, oldest closed first (retention). */
    async closedBefore(cutoffMs: number, limit = 500): Promise<string[]> {
      return redis.zrangebyscore(keys.closedAt, '-inf', cutoffMs, 'LIMIT', 0, limit);
    },

    /** The `limit` most urgent open episodes in the board's order, and how many are open in all. */
    async mostUrgentOpen(limit: number): Promise<{ records: EpisodeRecord[]; open: number }> {
      const [ids, open] = await Promise.all([redis.zrange(keys.board, 0, limit - 1), redis.zcard(keys.board)]);
      return { records: await getMany(ids), open };
    },

    /** Found episodes whose return home interview falls due in [fromMs, toMs) (the reports' ranges), soonest first. */
    async returnInterviewsDueBetween(fromMs: number, toMs: number): Promise<EpisodeRecord[]> {
      return getMany(await redis.zrangebyscore(keys.returnInterviews, fromMs, `(${toMs}`));
    },

    /** Found episodes whose return home interview falls due at or after `fromMs`, soonest first. */
    async returnInterviewsDueFrom(fromMs: number, limit = 200): Promise<EpisodeRecord[]> {
      return getMany(await redis.zrangebyscore(keys.returnInterviews, `(${fromMs}`, '+inf', 'LIMIT', 0, limit));
    },

    /**
     * Fills indexes added since the records were written, once per INDEX_VERSION: an upgraded
     * service lists, shows and purges the episodes it already held. Each episode is indexed
     * under its lock, as every save is, so a save meanwhile is never undone by a stale read; one
     * locked by a worker is left to that worker's save, and the version is set only when none
     * was left, so a later run finishes the job. Re-running it changes nothing.
     */
    async upgradeIndexes(lockMs = 30_000, chunk = 200): Promise<number> {
      if ((await redis.get(keys.indexVersion)) === INDEX_VERSION) return 0;
      let indexed = 0;
      let left = 0;
      let after: Position | undefined;
      do {
        // By position in the index, not by rank: a purge meanwhile shifts no episode past the walk.
        const page: IndexPage = await pageOfIndexes(redis, [keys.all], { order: 'oldest', limit: chunk, ...(after ? { after } : {}) });
        const outcomes = await Promise.all(
          page.ids.map(async (episodeId) => {
            const release = await lock(episodeId, lockMs);
            if (!release) return 'left';
            try {
              const record = parse(await redis.get(keys.episode(episodeId)));
              if (!record) return 'gone';
              const tx = redis.multi();
              index(tx, record);
              await tx.exec();
              return 'indexed';
            } finally {
              await release();
            }
          }),
        );
        indexed += outcomes.filter((o) => o === 'indexed').length;
        left += outcomes.filter((o) => o === 'left').length;
        after = page.next;
      } while (after);
      if (left === 0) await redis.set(keys.indexVersion, INDEX_VERSION);
      return indexed;
    },

    /** Episodes newest first, optionally in one state (read from that state's own index). */
    async list(state?: EpisodeState, limit = Number.POSITIVE_INFINITY): Promise<EpisodeRecord[]> {
      const ids = state ? await redis.smembers(keys.state(state)) : await redis.zrevrange(keys.all, 0, -1);
      if (ids.length === 0) return [];
      const docs = await redis.mget(ids.map(keys.episode));
      return docs
        .map(parse)
        .filter((r): r is EpisodeRecord => r !== undefined)
        .sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt))
        .slice(0, limit);
    },

    /**
     * Open episodes whose next reminder counts from `beforeMs` or earlier: the only ones a reminder
     * can be due for, since N school hours are never fewer than N hours. Oldest first.
     */
    async reminderCandidates(beforeMs: number, limit = 500): Promise<EpisodeRecord[]> {
      return getMany(await redis.zrangebyscore(keys.reminderFrom, '-inf', beforeMs, 'LIMIT', 0, limit));
    },

    /** The ids of the episodes opened in [fromMs, toMs) under any of the child keys: one pipelined read per key. */
    async ofChildKeys(childKeys: readonly string[], fromMs: number, toMs: number): Promise<string[]> {
      if (childKeys.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const key of childKeys) pipeline.zrangebyscore(keys.child(key), fromMs, `(${toMs}`);
      const rows = (await pipeline.exec()) ?? [];
      return [...new Set(rows.flatMap(([error, ids]) => {
        if (error) throw error;
        return ids as string[];
      }))];
    },

    /** Episodes opened in [fromMs, toMs), read from the index by opening time (the reports' date ranges). */
    async openedBetween(fromMs: number, toMs: number): Promise<EpisodeRecord[]> {
      const ids = await redis.zrangebyscore(keys.all, fromMs, `(${toMs}`);
      if (ids.length === 0) return [];
      const docs = await redis.mget(ids.map(keys.episode));
      return docs.map(parse).filter((r): r is EpisodeRecord => r !== undefined);
    },

    /**
     * Keeps a purged episode's anonymous row. The first write wins: a purge that stopped part way
     * writes again from what is left, and must not replace the whole row with a poorer one.
     */
    async archive(row: ArchivedEpisode): Promise<void> {
      // The interview's record goes with the episode; the row keeps when it was done, not who recorded it.
      const done = await redis.hget(keys.returnInterviewDone, row.episodeId);
      if (done) row = { ...row, returnInterviewDoneAt: (JSON.parse(done) as ReturnInterviewDone).recordedAt };
      await redis.multi().hsetnx(keys.archive, row.episodeId, JSON.stringify(row)).zadd(keys.archivedOpened, 'NX', Date.parse(row.openedAt), row.episodeId).exec();
    },

    /** The archived rows of episodes opened in [fromMs, toMs). */
    async archivedBetween(fromMs: number, toMs: number): Promise<ArchivedEpisode[]> {
      const ids = await redis.zrangebyscore(keys.archivedOpened, fromMs, `(${toMs}`);
      if (ids.length === 0) return [];
      return (await redis.hmget(keys.archive, ...ids)).filter((j): j is string => j !== null).map((j) => JSON.parse(j) as ArchivedEpisode);
    },

    /** Deletes the episode record, its recipients and its place in the indexes (retention). */
    async purge(episodeId: string): Promise<void> {
      const record = parse(await redis.get(keys.episode(episodeId)));
      const feedId = record?.feedId;
      const tx = redis.multi().del(keys.episode(episodeId), keys.recipients(episodeId)).hdel(keys.returnInterviewDone, episodeId).zrem(keys.all, episodeId).zrem(keys.closedAt, episodeId).zrem(keys.returnInterviews, episodeId).zrem(keys.board, episodeId).zrem(keys.reminderFrom, episodeId);
      if (feedId) tx.zrem(keys.ofFeed(feedId), episodeId);
      for (const key of record ? childKeysOf(record) : []) tx.zrem(keys.child(key), episodeId);
      for (const state of STATES) {
        tx.srem(keys.state(state), episodeId).zrem(keys.openedInState(state), episodeId);
        if (feedId) tx.zrem(keys.ofFeedInState(feedId, state), episodeId);
      }
      await tx.exec();
    },

    /** Records the episode's return home interview as done, once: false when it already was (the first record stands). */
    async recordReturnInterviewDone(episodeId: string, done: ReturnInterviewDone): Promise<boolean> {
      return (await redis.hsetnx(keys.returnInterviewDone, episodeId, JSON.stringify(done))) === 1;
    },

    /** The recorded return home interviews of those of `ids` that have one. */
    async returnInterviewsDone(ids: readonly string[]): Promise<Map<string, ReturnInterviewDone>> {
      if (ids.length === 0) return new Map();
      const raw = await redis.hmget(keys.returnInterviewDone, ...ids);
      return new Map(ids.flatMap((id, i) => (raw[i] ? [[id, JSON.parse(raw[i]) as ReturnInterviewDone] as const] : [])));
    },

    async recipients(episodeId: string): Promise<RecipientEntry[]> {
      const raw = await redis.hvals(keys.recipients(episodeId));
      return raw.map((j) => JSON.parse(j) as RecipientEntry);
    },

    async putRecipients(episodeId: string, entries: RecipientEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await redis.hset(keys.recipients(episodeId), Object.fromEntries(entries.map((e) => [recipientKey(e), JSON.stringify(e)])));
    },

    /**
     * Serialises work on one episode across every worker process: an update's recipients
     * depend on the report's having been recorded. Returns a release function, or undefined
     * when another worker holds the episode.
     */
    lock,
  };
}

export type EpisodeStore = ReturnType<typeof createEpisodeStore>;
