import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childKeysOf, createEpisodeStore, type EpisodeRecord } from '../../../src/episodes/episode.store';
import type { RedisClient } from '../../../src/platform/redis';
import type { Stores } from '../../../src/stores';
import { privateStores } from '../../helpers/stores';

/*
 * SPEC §13: the index of episodes by child key (person id; feed + name + date of birth) that the
 * board's repeat marks and the reports' look-back read. The save keeps it, a corrected name moves
 * the episode, the purge takes it out, and an upgrade fills it for episodes saved before it existed.
 */

const NOW = Date.parse('2026-11-30T12:00:00Z');
const HOUR = 3600_000;
let redis: RedisClient;
let prefix: string;
let stores: Stores;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ redis, prefix, stores, close } = await privateStores('child'));
});
afterAll(async () => {
  await close();
});

let n = 0;
function episode(child: EpisodeRecord['facts']['child'], state: EpisodeRecord['state'] = 'found'): EpisodeRecord {
  n += 1;
  const openedAt = new Date(NOW - n * HOUR).toISOString();
  return {
    episodeId: `ep_${n.toString(16).padStart(24, '0')}`, feedId: 'feed-child', policeReference: `NP-CHILD-${n}`, reported: true, state, risk: 'low', openedAt,
    closedAt: state === 'open' ? undefined : openedAt, foundAt: undefined, returnInterviewDueAt: undefined,
    facts: { policeReference: `NP-CHILD-${n}`, risk: 'low', child }, schoolUrn: '990001', gpOdsCode: undefined, postcodeDistrict: 'NE46',
    locality: undefined, unroutable: [], inactive: [], updatedAt: openedAt,
  } as EpisodeRecord;
}

const zara = { givenName: 'Zara', familyName: 'Quillby', dateOfBirth: '2013-05-14' };
const underKeys = (store: Pick<Stores['episodes'], 'ofChildKeys'>, record: EpisodeRecord) => store.ofChildKeys(childKeysOf(record), 0, NOW + 1);

describe('the child index', () => {
  it('finds a child’s episodes under its name whatever the case and accents, and under its person id', async () => {
    const a = episode({ ...zara, givenName: 'ZÁRA' });
    const b = episode({ ...zara, policePersonId: 'P-CHILD-1' });
    const c = episode({ ...zara, familyName: 'Quillby-Lee', policePersonId: 'P-CHILD-1' });
    const swapped = episode({ ...zara, givenName: 'Quillby', familyName: 'Zara' });
    for (const r of [a, b, c, swapped]) await stores.episodes.save(r);
    expect((await underKeys(stores.episodes, a)).sort()).toEqual([a.episodeId, b.episodeId].sort());
    expect((await underKeys(stores.episodes, c)).sort()).toEqual([b.episodeId, c.episodeId].sort());
    // The key names carry a digest, never the child's name.
    const names = await redis.keys(`${prefix}:episodes:child:*`);
    expect(names.length).toBeGreaterThan(0);
    expect(names.join(' ')).not.toMatch(/zara|quillby|P-CHILD/i);
  });

  it('moves an episode whose child is corrected by an update, and takes it out when purged', async () => {
    const before = episode({ givenName: 'Orrin', familyName: 'Vesey', dateOfBirth: '2012-02-02' });
    await stores.episodes.save(before);
    const after = { ...before, facts: { ...before.facts, child: { ...before.facts.child, familyName: 'Vessey' } } };
    await stores.episodes.save(after, before);
    expect(await underKeys(stores.episodes, before)).toEqual([]);
    expect(await underKeys(stores.episodes, after)).toEqual([after.episodeId]);

    await stores.episodes.purge(after.episodeId);
    expect(await underKeys(stores.episodes, after)).toEqual([]);
  });

  it('is filled by the upgrade for episodes saved before it existed', async () => {
    const fresh = createEpisodeStore(redis, `${prefix}-upgrade`);
    const old = episode({ givenName: 'Wren', familyName: 'Ulgham', dateOfBirth: '2011-03-03' });
    await fresh.save(old);
    for (const key of childKeysOf(old)) await redis.del(fresh.keys.child(key));
    await redis.set(fresh.keys.indexVersion, '3');
    expect(await underKeys(fresh, old)).toEqual([]);

    expect(await fresh.upgradeIndexes(5_000)).toBe(1);
    expect(await underKeys(fresh, old)).toEqual([old.episodeId]);
    const keys = await redis.keys(`${prefix}-upgrade:*`);
    await redis.del(...keys);
  });
});
