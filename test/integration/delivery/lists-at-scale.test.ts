import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../src/delivery/delivery.store';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { encodeCursor } from '../../../src/platform/pagination';
import { FEED_A, FEED_B, signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';

/*
 * SPEC §6: the tracking lists stay fast with 100,000 records. 25,000 episodes with four
 * deliveries each (100,000) are written straight into a private Redis, then the first page
 * and a deep page of each list are read through the API. "Fast" is asserted as work, not
 * time: the Redis commands each page costs (INFO commandstats, on a server only this app
 * uses) are bounded by the page's size and are the same deep in the list as at its head.
 * The four deliveries of an episode share one creation millisecond, as a fan-out's do, so
 * pages also have to split runs of equal scores correctly.
 */

const EPISODES = 25_000;
const PER_EPISODE = 4;
const BASE_MS = Date.parse('2026-01-05T08:00:00Z');

let server: RedisServerHandle;
let stats: Redis;
let app: TestApp;
let mash: AsUser;

type Seeded = { id: string; score: number };
const hex = (n: number) => n.toString(16).padStart(24, '0');
const episodeId = (i: number) => `ep_${hex(i)}`;
// Ids not in creation order, so that a page's order is decided by score, then id.
const deliveryId = (i: number, j: number) => `dl_${hex(((i * PER_EPISODE + j) * 7919) % 1_000_003)}`;
const openedMs = (i: number) => BASE_MS + i * 60_000;
const feedOf = (i: number) => (i % 5 === 0 ? FEED_B.feedId : FEED_A.feedId);
const stateOf = (i: number) => (i % 10 === 0 ? 'found' : i % 10 === 1 ? 'cancelled' : 'open');
const statusOf = (i: number, j: number) => (j === 0 && i % 7 === 0 ? 'failed' : 'sent');

/** Newest first, ties by id descending: the order Redis keeps a sorted set in, reversed. */
const newestFirst = (a: Seeded, b: Seeded) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const allDeliveries: Seeded[] = [];
const failedDeliveries: Seeded[] = [];
const feedBEpisodes: Seeded[] = [];
const allEpisodes: Seeded[] = [];

function episodeRecord(i: number): EpisodeRecord {
  const at = new Date(openedMs(i)).toISOString();
  const state = stateOf(i);
  const closedAt = state === 'open' ? undefined : new Date(openedMs(i) + 3600_000).toISOString();
  return {
    episodeId: episodeId(i),
    feedId: feedOf(i),
    policeReference: `NP-SCALE-${i}`,
    reported: true,
    state,
    risk: 'medium',
    openedAt: at,
    closedAt,
    foundAt: state === 'found' ? closedAt : undefined,
    returnInterviewDueAt: undefined,
    facts: { policeReference: `NP-SCALE-${i}`, risk: 'medium', child: {} },
    schoolUrn: '990001',
    gpOdsCode: undefined,
    postcodeDistrict: 'NE61',
    locality: 'Morpeth',
    unroutable: [],
    inactive: [],
    updatedAt: at,
  } as EpisodeRecord;
}

/** Members and scores for one variadic ZADD. */
const scored = (entries: Seeded[]) => entries.flatMap((e) => [e.score, e.id]);

/**
 * The episodes as the store's save writes them (record, the all / state / feed indexes), in a
 * few variadic commands per thousand: the store's own writes are exercised by the tracking tests.
 */
async function seedEpisodes() {
  const keys = app.stores.episodes.keys;
  for (let start = 0; start < EPISODES; start += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, EPISODES - start) }, (_, k) => start + k);
    const pipeline = app.redis.pipeline().mset(Object.fromEntries(batch.map((i) => [keys.episode(episodeId(i)), JSON.stringify(episodeRecord(i))])));
    const entries = batch.map((i) => ({ id: episodeId(i), score: openedMs(i), feed: feedOf(i), state: stateOf(i) as 'open' | 'found' | 'cancelled' }));
    pipeline.zadd(keys.all, ...scored(entries));
    for (const feed of [FEED_A.feedId, FEED_B.feedId]) {
      const ofFeed = entries.filter((e) => e.feed === feed);
      pipeline.zadd(keys.ofFeed(feed), ...scored(ofFeed));
      for (const state of ['open', 'found', 'cancelled'] as const) {
        const inState = ofFeed.filter((e) => e.state === state);
        if (inState.length > 0) pipeline.zadd(keys.ofFeedInState(feed, state), ...scored(inState)).zadd(keys.openedInState(state), ...scored(inState)).sadd(keys.state(state), ...inState.map((e) => e.id));
      }
    }
    await pipeline.exec();
    allEpisodes.push(...entries);
    feedBEpisodes.push(...entries.filter((e) => e.feed === FEED_B.feedId));
  }
}

/** The deliveries as the store's create script writes them (record, history, indexes), pipelined. */
async function seedDeliveries() {
  const keys = app.stores.deliveries.keys;
  for (let start = 0; start < EPISODES; start += 1_000) {
    const pipeline = app.redis.pipeline();
    const created: Seeded[] = [];
    const failed: Seeded[] = [];
    for (let i = start; i < Math.min(start + 1_000, EPISODES); i++) {
      const createdMs = openedMs(i) + 1_000;
      const createdAt = new Date(createdMs).toISOString();
      const ofEpisode: Seeded[] = [];
      for (let j = 0; j < PER_EPISODE; j++) {
        const id = deliveryId(i, j);
        const status = statusOf(i, j);
        pipeline.hset(keys.delivery(id), {
          deliveryId: id, eventUid: `uid-${i}`, eventId: `EV-${i}`, episodeId: episodeId(i), feedId: feedOf(i), kind: 'alert',
          audience: j < 2 ? 'direct' : 'area', orgType: 'school', orgId: String(990_000 + j), orgName: `Fictional School ${j} (sample)`,
          contactId: `c-${j}`, contactName: `Sample Contact ${j}`, contactEmail: `dsl${j}@school.endeavor.test`, contactRole: 'dsl',
          status, attempts: '1', createdAt, updatedAt: createdAt, ackable: j < 2 ? '1' : '0', risk: 'medium', priority: '3',
          ...(status === 'sent' ? { sentAt: createdAt } : { lastError: '550 mailbox unavailable' }),
        });
        pipeline.rpush(keys.history(id), JSON.stringify({ at: createdAt, status, detail: 'seeded' } satisfies HistoryEntry));
        ofEpisode.push({ id, score: createdMs });
        (status === 'failed' ? failed : created).push({ id, score: createdMs });
      }
      pipeline.zadd(keys.episode(episodeId(i)), ...scored(ofEpisode));
    }
    pipeline.zadd(keys.log, ...scored([...created, ...failed]));
    pipeline.zadd(keys.byStatus('sent'), ...scored(created));
    if (failed.length > 0) pipeline.zadd(keys.byStatus('failed'), ...scored(failed));
    await pipeline.exec();
    allDeliveries.push(...created, ...failed);
    failedDeliveries.push(...failed);
  }
  for (const list of [allDeliveries, failedDeliveries, feedBEpisodes, allEpisodes]) list.sort(newestFirst);
}

/** Calls per Redis command since the server started. */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await stats.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]));
}

/** The answer to `path` and the Redis commands it cost, by command (INFO's own calls left out). */
async function measured<T>(path: string, get: (path: string) => Promise<Response> = mash.get): Promise<{ body: T; calls: Map<string, number>; total: number }> {
  const before = await commandCalls();
  const res = await get(path);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const after = await commandCalls();
  const calls = new Map([...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)]).filter(([name, n]) => name !== 'info' && (n as number) > 0) as [string, number][]);
  return { body: JSON.parse(text) as T, calls, total: [...calls.values()].reduce((a, b) => a + b, 0) };
}

type DeliveryPage = { deliveries: { deliveryId: string; status: string; history: unknown[] }[]; nextCursor: string | null; next: string | null };
type EpisodePage = { episodes: { episodeId: string; feedId: string; deliveries: unknown[] }[]; nextCursor: string | null; next: string | null };

beforeAll(async () => {
  // Its own server: nothing else's commands in the counts. No AOF: the seeding is what is slow to persist.
  server = await startRedisServer(['--appendonly', 'no']);
  stats = new Redis(server.url);
  app = await startTestApp({ redisUrl: server.url });
  mash = asUser(app, await signIn(app, 'mash'));
  const started = Date.now();
  await seedEpisodes();
  await seedDeliveries();
  // Not an assertion (a loaded machine is slower): a line to notice if seeding grows.
  console.info(`seeded ${EPISODES} episodes and ${allDeliveries.length} deliveries in ${Date.now() - started} ms`);
}, 120_000);

afterAll(async () => {
  // Dropping the lot here saves app.close() deleting half a million keys one by one.
  await stats?.flushall();
  stats?.disconnect();
  await app?.close();
  await server?.stop();
});

describe('GET /api/v1/deliveries with 100,000 deliveries', () => {
  it('answers the first page with the newest, and its next link the ones after, splitting a run of equal creation times', async () => {
    expect(allDeliveries).toHaveLength(EPISODES * PER_EPISODE);
    // 98 = 24 episodes and two of the 25th's four deliveries: the page ends inside a tie.
    const first = await measured<DeliveryPage>('/api/v1/deliveries?limit=98');
    expect(first.body.deliveries.map((d) => d.deliveryId)).toEqual(allDeliveries.slice(0, 98).map((d) => d.id));
    expect(first.body.deliveries.every((d) => d.history.length === 1)).toBe(true);
    // 98 records and 98 histories; the index read once: nothing grows with the 100,000.
    expect(first.calls.get('hgetall')).toBe(98);
    expect(first.calls.get('lrange')).toBe(98);
    expect(first.calls.get('zrange')).toBe(1);
    expect(first.total).toBeLessThan(250);

    expect(first.body.next).toBe(`/api/v1/deliveries?limit=98&cursor=${first.body.nextCursor}`);
    const second = await measured<DeliveryPage>(first.body.next!);
    expect(second.body.deliveries.map((d) => d.deliveryId)).toEqual(allDeliveries.slice(98, 196).map((d) => d.id));
  });

  it('answers a page 70,000 deep exactly as deep in the list, for the same work as the first page', async () => {
    const at = 70_001; // The middle of one episode's four: the cursor falls inside a run of equal scores.
    const cursor = encodeCursor('d-all', { score: allDeliveries[at]!.score, id: allDeliveries[at]!.id });
    const deep = await measured<DeliveryPage>(`/api/v1/deliveries?limit=100&cursor=${cursor}`);
    expect(deep.body.deliveries.map((d) => d.deliveryId)).toEqual(allDeliveries.slice(at + 1, at + 101).map((d) => d.id));
    expect(deep.calls.get('hgetall')).toBe(100);
    expect(deep.calls.get('lrange')).toBe(100);
    // One read of the tied run, one of what follows it.
    expect(deep.calls.get('zrange')).toBe(2);
    expect(deep.total).toBeLessThan(250);
  });

  it('pages the failed deliveries by their own index, to the last page, whose next is null', async () => {
    const first = await measured<DeliveryPage>('/api/v1/deliveries?status=failed&limit=500');
    expect(first.body.deliveries.map((d) => d.deliveryId)).toEqual(failedDeliveries.slice(0, 500).map((d) => d.id));
    expect(first.body.deliveries.every((d) => d.status === 'failed')).toBe(true);
    expect(first.calls.get('hgetall')).toBe(500);

    const last = failedDeliveries.length - 3;
    const cursor = encodeCursor('d-failed', { score: failedDeliveries[last - 1]!.score, id: failedDeliveries[last - 1]!.id });
    const tail = await measured<DeliveryPage>(`/api/v1/deliveries?status=failed&limit=500&cursor=${cursor}`);
    expect(tail.body.deliveries.map((d) => d.deliveryId)).toEqual(failedDeliveries.slice(last).map((d) => d.id));
    expect(tail.body).toMatchObject({ nextCursor: null, next: null });
  });

  it('answers 422, not 500, to a cursor that is not one, a cursor of another list, and a limit out of range', async () => {
    const otherList = encodeCursor('d-failed', { score: allDeliveries[5]!.score, id: allDeliveries[5]!.id });
    for (const query of ['cursor=not-a-cursor!', `cursor=${otherList}`, 'cursor=', 'limit=0', 'limit=501', 'limit=ten', 'limit=2.5']) {
      const res = await mash.get(`/api/v1/deliveries?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('GET /api/v1/deliveries.csv with 100,000 deliveries', () => {
  it('streams the period’s deliveries oldest first, page by page, reading only those in the period', async () => {
    const fromMs = openedMs(10_000) + 1_000;
    const toMs = openedMs(10_299) + 1_000;
    const inPeriod = allDeliveries.filter((d) => d.score >= fromMs && d.score <= toMs).reverse();
    expect(inPeriod).toHaveLength(300 * PER_EPISODE);
    const before = await commandCalls();
    const res = await mash.get(`/api/v1/deliveries.csv?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`);
    const rows = (await res.text()).split('\r\n').filter((line) => line !== '');
    const after = await commandCalls();
    expect(res.status).toBe(200);
    expect(rows[0]).toMatch(/^deliveryId,episodeId,/);
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(inPeriod.map((d) => d.id));
    // The period's 1,200 records and three pages of the index (500 + 500 + 200), not the 100,000.
    expect((after.get('hgetall') ?? 0) - (before.get('hgetall') ?? 0)).toBe(inPeriod.length);
    expect((after.get('zrange') ?? 0) - (before.get('zrange') ?? 0)).toBeLessThanOrEqual(6);
  });
});

describe('GET /api/v1/episodes with 25,000 episodes and their 100,000 deliveries', () => {
  it('answers the first page and a page 20,000 deep with the right episodes, for the same bounded work', async () => {
    const first = await measured<EpisodePage>('/api/v1/episodes?limit=20');
    expect(first.body.episodes.map((e) => e.episodeId)).toEqual(allEpisodes.slice(0, 20).map((e) => e.id));
    expect(first.body.episodes.every((e) => e.deliveries.length === PER_EPISODE)).toBe(true);

    const at = 20_000;
    const cursor = encodeCursor('e-all-any', { score: allEpisodes[at]!.score, id: allEpisodes[at]!.id });
    const deep = await measured<EpisodePage>(`/api/v1/episodes?limit=20&cursor=${cursor}`);
    expect(deep.body.episodes.map((e) => e.episodeId)).toEqual(allEpisodes.slice(at + 1, at + 21).map((e) => e.id));

    // 20 records in one MGET, then each one's events and deliveries (4 records, 4 histories).
    for (const page of [first, deep]) {
      expect(page.calls.get('mget')).toBe(1);
      expect(page.calls.get('hgetall')).toBe(20 * PER_EPISODE);
      expect(page.calls.get('lrange')).toBe(20 * PER_EPISODE);
      expect(page.total).toBeLessThan(300);
    }
    expect(deep.calls.get('zrange')).toBe((first.calls.get('zrange') ?? 0) + 1);
  });

  it('gives a feed key a deep page of its own episodes only, read from its own index', async () => {
    const at = 3_000;
    const cursor = encodeCursor(`e-${FEED_B.feedId}-any`, { score: feedBEpisodes[at]!.score, id: feedBEpisodes[at]!.id });
    const asFeedB = (path: string) => app.get(path, { key: FEED_B.key });
    const deep = await measured<EpisodePage>(`/api/v1/episodes?limit=50&cursor=${cursor}`, asFeedB);
    expect(deep.body.episodes.map((e) => e.episodeId)).toEqual(feedBEpisodes.slice(at + 1, at + 51).map((e) => e.id));
    expect(deep.body.episodes.every((e) => e.feedId === FEED_B.feedId)).toBe(true);
    expect(deep.calls.get('mget')).toBe(1);
    expect(deep.total).toBeLessThan(600);

    // Feed A's cursor is not feed B's: refused rather than read from the wrong index.
    const feedA = encodeCursor(`e-${FEED_A.feedId}-any`, { score: allEpisodes[1]!.score, id: allEpisodes[1]!.id });
    expect((await asFeedB(`/api/v1/episodes?cursor=${feedA}`)).status).toBe(422);
  });

  it('pages one state from that state’s index: found episodes only, newest first', async () => {
    const found = allEpisodes.filter((e) => stateOf(Number.parseInt(e.id.slice(3), 16)) === 'found');
    const page = await measured<EpisodePage & { episodes: { state: string }[] }>('/api/v1/episodes?state=found&limit=30');
    expect(page.body.episodes.map((e) => e.episodeId)).toEqual(found.slice(0, 30).map((e) => e.id));
    expect(page.calls.get('mget')).toBe(1);
    expect((await mash.get(`/api/v1/episodes?limit=101`)).status).toBe(422);
  });
});
