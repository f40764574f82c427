import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import type { EpisodeState } from '../domain/episode-state';
import type { EpisodeView } from './episode';
import type { OrganisationRef, OrganisationType } from '../domain/organisation-ref';
import type { Audience } from '../domain/audience';

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

export const recipientKey = (r: { orgType: OrganisationType; orgId: string; contactId: string }) => `${r.orgType}:${r.orgId}:${r.contactId}`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The episodes stage's Redis keys: the folded record, its recipients, indexes and a lock. */
export function createEpisodeStore(redis: RedisClient, prefix: string) {
  const keys = {
    episode: (id: string) => `${prefix}:episode:${id}`,
    recipients: (id: string) => `${prefix}:episode-recipients:${id}`,
    lock: (id: string) => `${prefix}:lock:episode:${id}`,
    all: `${prefix}:episodes`,
    state: (state: EpisodeState) => `${prefix}:episodes:state:${state}`,
  };
  const parse = (json: string | null) => (json ? (JSON.parse(json) as EpisodeRecord) : undefined);

  return {
    keys,

    async get(episodeId: string): Promise<EpisodeRecord | undefined> {
      return parse(await redis.get(keys.episode(episodeId)));
    },

    async save(record: EpisodeRecord): Promise<void> {
      const tx = redis
        .multi()
        .set(keys.episode(record.episodeId), JSON.stringify(record))
        .zadd(keys.all, Date.parse(record.openedAt), record.episodeId);
      for (const state of ['open', 'found', 'cancelled'] as const) {
        if (state === record.state) tx.sadd(keys.state(state), record.episodeId);
        else tx.srem(keys.state(state), record.episodeId);
      }
      await tx.exec();
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

    /** Episodes opened in [fromMs, toMs), read from the index by opening time (the reports' date ranges). */
    async openedBetween(fromMs: number, toMs: number): Promise<EpisodeRecord[]> {
      const ids = await redis.zrangebyscore(keys.all, fromMs, `(${toMs}`);
      if (ids.length === 0) return [];
      const docs = await redis.mget(ids.map(keys.episode));
      return docs.map(parse).filter((r): r is EpisodeRecord => r !== undefined);
    },

    /** Closed episodes, for the retention purge. */
    async closed(): Promise<string[]> {
      return [...(await redis.smembers(keys.state('found'))), ...(await redis.smembers(keys.state('cancelled')))];
    },

    /** Deletes the episode record, its recipients and its place in the indexes (retention). */
    async purge(episodeId: string): Promise<void> {
      const tx = redis.multi().del(keys.episode(episodeId), keys.recipients(episodeId)).zrem(keys.all, episodeId);
      for (const state of ['open', 'found', 'cancelled'] as const) tx.srem(keys.state(state), episodeId);
      await tx.exec();
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
    async lock(episodeId: string, ttlMs = 30_000): Promise<(() => Promise<void>) | undefined> {
      const token = randomUUID();
      const got = await redis.set(keys.lock(episodeId), token, 'PX', ttlMs, 'NX');
      if (got !== 'OK') return undefined;
      return async () => {
        await redis.eval(RELEASE, 1, keys.lock(episodeId), token);
      };
    },
  };
}

export type EpisodeStore = ReturnType<typeof createEpisodeStore>;
