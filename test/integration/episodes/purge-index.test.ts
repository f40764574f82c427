import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../../src/episodes/purge';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import type { RedisClient } from '../../../src/platform/redis';
import { createStores, type Stores } from '../../../src/stores';
import { privateStores } from '../../helpers/stores';

/*
 * SPEC §2 retention, as the sweep reads it: only the episodes whose closing time is past the
 * cutoff, from the index by closing time, and episodes stored before that index existed too.
 */

const DAY = 24 * 3600_000;
const NOW = new Date('2026-11-30T12:00:00Z');

let redis: RedisClient;
let prefix: string;
let stores: Stores;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ redis, prefix, stores, close } = await privateStores('purge'));
});
afterAll(async () => {
  await close();
});

let n = 0;
function episode(state: EpisodeRecord['state'], closedDaysAgo?: number): EpisodeRecord {
  n += 1;
  const closedAt = closedDaysAgo === undefined ? undefined : new Date(NOW.getTime() - closedDaysAgo * DAY).toISOString();
  return {
    episodeId: `ep_${n.toString(16).padStart(24, '0')}`,
    feedId: 'feed-test',
    policeReference: `NP-PURGE-${n}`,
    reported: true,
    state,
    risk: 'low',
    openedAt: new Date(NOW.getTime() - 30 * DAY).toISOString(),
    closedAt,
    foundAt: state === 'found' ? closedAt : undefined,
    returnInterviewDueAt: undefined,
    facts: { policeReference: `NP-PURGE-${n}`, risk: 'low', child: {} },
    schoolUrn: '990001',
    gpOdsCode: undefined,
    postcodeDistrict: 'NE46',
    locality: undefined,
    unroutable: [],
    inactive: [],
    updatedAt: closedAt ?? new Date(NOW.getTime() - 30 * DAY).toISOString(),
  } as EpisodeRecord;
}

describe('retention purge', () => {
  it('reads only the closed episodes that are due, and purges those stored before the closing-time index existed', async () => {
    // Saved before the upgrade: as the store wrote them then, with no place in the new indexes.
    const oldDue = episode('found', 10);
    const oldKept = episode('cancelled', 1);
    for (const record of [oldDue, oldKept]) await stores.episodes.save(record);
    const k = stores.episodes.keys;
    await redis.del(k.closedAt, k.openedInState('found'), k.openedInState('cancelled'), k.ofFeed('feed-test'), k.ofFeedInState('feed-test', 'found'), k.ofFeedInState('feed-test', 'cancelled'));

    const due = episode('cancelled', 3);
    const open = episode('open');
    const recent = Array.from({ length: 40 }, () => episode('found', 1));
    for (const record of [due, open, ...recent]) await stores.episodes.save(record);

    const read: string[] = [];
    const episodes = { ...stores.episodes, get: (id: string) => (read.push(id), stores.episodes.get(id)) };
    const purged = await purgeExpired({ events: stores.events, episodes, deliveries: stores.deliveries, retentionDays: 2, lockMs: 5_000, now: () => NOW });

    expect(purged).toBe(2);
    expect(read.sort()).toEqual([oldDue.episodeId, due.episodeId].sort());
    expect(await stores.episodes.get(oldDue.episodeId)).toBeUndefined();
    expect(await stores.episodes.get(due.episodeId)).toBeUndefined();
    for (const kept of [oldKept, open, ...recent]) expect(await stores.episodes.get(kept.episodeId), kept.policeReference).toBeDefined();
    // The upgrade gave the older episodes their places in the list indexes too.
    const cancelled = await stores.episodes.page({ state: 'cancelled', feedId: 'feed-test' }, { limit: 10 });
    expect(cancelled.ids).toEqual([oldKept.episodeId]);
    // Nothing of a purged episode is left in any index.
    expect(await stores.episodes.closedBefore(NOW.getTime() - 2 * DAY)).toEqual([]);
    expect((await stores.episodes.page({}, { limit: 100 })).ids).not.toContain(due.episodeId);

    // The next sweep reads nothing: none is due.
    read.length = 0;
    expect(await purgeExpired({ events: stores.events, episodes, deliveries: stores.deliveries, retentionDays: 2, lockMs: 5_000, now: () => NOW })).toBe(0);
    expect(read).toEqual([]);
  });

  it('leaves an episode a worker holds locked to that worker, and indexes it on a later run', async () => {
    const fresh = createStores(redis, `${prefix}-upgrade`);
    const held = episode('cancelled', 5);
    await fresh.episodes.save(held);
    const k = fresh.episodes.keys;
    await redis.del(k.closedAt, k.indexVersion);

    const release = (await fresh.episodes.lock(held.episodeId, 5_000))!;
    expect(await fresh.episodes.upgradeIndexes(5_000)).toBe(0);
    expect(await fresh.episodes.closedBefore(NOW.getTime())).toEqual([]);
    await release();

    expect(await fresh.episodes.upgradeIndexes(5_000)).toBe(1);
    expect(await fresh.episodes.closedBefore(NOW.getTime())).toEqual([held.episodeId]);
    // Done: the next run is one GET.
    expect(await fresh.episodes.upgradeIndexes(5_000)).toBe(0);
    const keys = await redis.keys(`${prefix}-upgrade:*`);
    await redis.del(...keys);
  });
});
