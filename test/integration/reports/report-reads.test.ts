import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { createRedis, redisReady, type RedisClient } from '../../../src/platform/redis';
import { buildReport, repeatedChildrenOf } from '../../../src/reports/report';
import { loadRepeatInput, loadReportInput } from '../../../src/reports/report.queries';
import { createStores, type Stores } from '../../../src/stores';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';

/*
 * SPEC §13: the query layer reads only what a range needs. Work is counted, not timed, on a
 * Redis of its own: key lookups (INFO stats keyspace_hits + keyspace_misses: an MGET of n keys
 * is n) and commands (INFO commandstats). A month's report must cost the same whether the store
 * holds a few thousand other episodes or twice as many, before the range (the 90 days the
 * repeats look back over included), long before it, or after it.
 */

const RANGE = { from: '2026-10-01', to: '2026-10-31' };
const NOW = new Date('2026-11-15T09:00:00Z');
const DAY = 24 * 3600_000;
const OCTOBER = Date.parse('2026-10-01T00:00:00Z');

let server: RedisServerHandle;
let stats: Redis;
let redis: RedisClient;
let stores: Stores;

let n = 0;
type Child = EpisodeRecord['facts']['child'];
function record(openedMs: number, child: Child): EpisodeRecord {
  n += 1;
  const openedAt = new Date(openedMs).toISOString();
  return {
    episodeId: `ep_${n.toString(16).padStart(24, '0')}`, feedId: 'feed-reads', policeReference: `NP-READS-${n}`, reported: true,
    state: 'found', risk: 'low', openedAt, closedAt: openedAt, foundAt: openedAt, returnInterviewDueAt: undefined,
    facts: { policeReference: `NP-READS-${n}`, risk: 'low', missingFrom: 'home', child }, schoolUrn: '990001', gpOdsCode: undefined,
    postcodeDistrict: 'NE61', locality: 'Morpeth', unroutable: [], inactive: [], updatedAt: openedAt,
  } as EpisodeRecord;
}
/** A child of its own, fictional: numbered names, a date of birth from the number. */
const someChild = (k: number): Child => ({ givenName: `Given${k}`, familyName: `Family${k}`, dateOfBirth: `2012-0${1 + (k % 9)}-${String(1 + (k % 28)).padStart(2, '0')}` });

async function saveAll(records: EpisodeRecord[]) {
  for (let i = 0; i < records.length; i += 200) await Promise.all(records.slice(i, i + 200).map((r) => stores.episodes.save(r)));
}

/** Episodes outside the range, `count` of each kind: in the 90 days before it, long before it, after it. */
const outside = (count: number, from: number) => [
  ...Array.from({ length: count }, (_, i) => record(OCTOBER - (1 + (i % 88)) * DAY, someChild(from + i))),
  ...Array.from({ length: count }, (_, i) => record(OCTOBER - (100 + (i % 300)) * DAY, someChild(from + count + i))),
  ...Array.from({ length: count }, (_, i) => record(OCTOBER + (31 + (i % 30)) * DAY, someChild(from + 2 * count + i))),
];

async function counters() {
  const [keyspace, commands] = await Promise.all([stats.info('stats'), stats.info('commandstats')]);
  const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(keyspace)![1]);
  return {
    lookups: stat('keyspace_hits') + stat('keyspace_misses'),
    calls: new Map([...commands.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)])),
  };
}

/** What `load` cost in Redis: key lookups, and commands by name (INFO's own left out). */
async function measured<T>(load: () => Promise<T>): Promise<{ result: T; lookups: number; calls: Map<string, number> }> {
  const before = await counters();
  const result = await load();
  const after = await counters();
  const calls = new Map([...after.calls].map(([k, v]) => [k, v - (before.calls.get(k) ?? 0)] as const).filter(([k, v]) => k !== 'info' && v > 0));
  return { result, lookups: after.lookups - before.lookups, calls };
}

// The range's episodes: 30 children once each, a child by person id with 2 episodes in the 90 days
// before (one under another name), and a child by name and date of birth with 1 before and 2 in.
const inRange = Array.from({ length: 30 }, (_, i) => record(OCTOBER + (i % 30) * DAY + 3600_000, someChild(100_000 + i)));
const byId = { givenName: 'Zara', familyName: 'Quillby', dateOfBirth: '2013-05-14', policePersonId: 'P-READS-1' };
const byName = { givenName: 'Orrin', familyName: 'Vessey', dateOfBirth: '2012-02-02' };
const repeats = [
  record(OCTOBER - 60 * DAY, { ...byId, familyName: 'Quillby-Lee' }),
  record(OCTOBER - 20 * DAY, byId),
  record(OCTOBER + 5 * DAY, byId),
  record(OCTOBER - 10 * DAY, { ...byName, givenName: 'ORRIN' }),
  record(OCTOBER + 6 * DAY, byName),
  record(OCTOBER + 7 * DAY, byName),
];
/** What the range needs: its own episodes and the earlier ones of the same children. */
const NEEDED = inRange.length + repeats.length;

beforeAll(async () => {
  server = await startRedisServer(['--appendonly', 'no']);
  stats = new Redis(server.url);
  redis = createRedis(server.url, 'request');
  await redisReady(redis);
  stores = createStores(redis, 'reads');
  await saveAll([...inRange, ...repeats, ...outside(1_000, 0)]);
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  stats?.disconnect();
  await server?.stop();
});

describe('the reports read what the range needs, not the store', () => {
  it('costs a month the same with 3,000 or 6,000 episodes outside it, in proportion to the month', async () => {
    const first = await measured(() => loadReportInput(stores, RANGE));
    const report = buildReport(first.result, RANGE, NOW);
    expect(report.episodes.total).toBe(30 + 3);
    expect(report.repeatedChildren).toEqual({ children: 2, episodes: 6 });
    // Per episode needed: its record, its events' and its deliveries' indexes, its child's keys.
    expect(first.lookups).toBeLessThanOrEqual(4 * NEEDED + 10);

    await saveAll(outside(1_000, 10_000));
    const second = await measured(() => loadReportInput(stores, RANGE));
    expect(buildReport(second.result, RANGE, NOW)).toEqual(report);
    expect(second.lookups).toBe(first.lookups);
    expect(second.calls).toEqual(first.calls);
  });

  it('gives the repeated-episodes list the episodes only: no event or delivery read, and the same work whatever the store holds', async () => {
    const first = await measured(() => loadRepeatInput(stores, RANGE));
    const children = repeatedChildrenOf(first.result.episodes, RANGE);
    expect(children.map((c) => c.episodes.length).sort()).toEqual([3, 3]);
    expect(first.calls.get('zrange') ?? 0).toBe(0);
    expect(first.calls.get('hgetall') ?? 0).toBe(0);
    expect(first.lookups).toBeLessThanOrEqual(3 * NEEDED + 10);

    await saveAll(outside(500, 20_000));
    const second = await measured(() => loadRepeatInput(stores, RANGE));
    expect(second.lookups).toBe(first.lookups);
  });
});
