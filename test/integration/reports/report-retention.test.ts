import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSampleIfEmpty } from '../../../src/directory/directory.service';
import { archivedEpisodeOf } from '../../../src/episodes/episode-archive';
import { purgeExpired } from '../../../src/episodes/purge';
import type { RedisClient } from '../../../src/platform/redis';
import { buildReport, repeatedChildrenOf } from '../../../src/reports/report';
import { loadRepeatInput } from '../../../src/reports/report.queries';
import { loadReportInputWithInterviews } from '../../../src/reports/report-input';
import { loadSampleHistory } from '../../../src/reports/load-sample-history';
import type { Stores } from '../../../src/stores';
import { privateStores } from '../../helpers/stores';

/*
 * SPEC §2 retention against SPEC §13: the purge deletes a closed episode's events, deliveries and
 * record RETENTION_DAYS after closing, so a report over a longer range would silently undercount.
 * The purge keeps an anonymous report row per episode instead: the year's figures stay the same,
 * and nothing that names a purged child is left in Redis.
 */

const YEAR = { from: '2025-11-01', to: '2026-10-31' };
/** Well past 90 days after the last closing (October 2026). */
const AT = new Date('2027-03-01T09:00:00Z');

let redis: RedisClient;
let prefix: string;
let stores: Stores;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ redis, prefix, stores, close } = await privateStores('rret'));
  await loadSampleIfEmpty(stores.directory, new Date('2026-11-01T09:00:00Z'), { production: false });
  await loadSampleHistory(stores, '2026-10');
}, 120_000);
afterAll(async () => {
  await close();
});

/** Every value under the prefix, as text: strings, hashes, sorted sets, lists, sets and streams. */
async function everything(): Promise<string> {
  const out: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    const type = await redis.type(key);
    if (type === 'string') out.push((await redis.get(key)) ?? '');
    else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
    else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
    else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
  }
  return out.join('\n');
}

/** The children's names and dates of birth as the events and episode records hold them (JSON inside JSON too). */
const identities = (text: string) => ({
  givenNames: new Set([...text.matchAll(/\\?"givenName\\?":\\?"([^"\\]+)/g)].map((m) => m[1])),
  datesOfBirth: new Set([...text.matchAll(/\\?"dateOfBirth\\?":\\?"([^"\\]+)/g)].map((m) => m[1])),
});

const allEpisodes = async () => (await stores.episodes.page({}, { limit: 100 })).ids;

describe('the reports after the retention purge', () => {
  it('gives the same year from anonymous rows, while no name or date of birth of a purged child is left in Redis', async () => {
    const before = buildReport(await loadReportInputWithInterviews(stores, YEAR), YEAR, AT);
    expect(before.episodes.total).toBe(48);
    const named = identities(await everything());
    expect(named.givenNames).toContain('Avery');

    expect(await purgeExpired({ events: stores.events, episodes: stores.episodes, deliveries: stores.deliveries, retentionDays: 90, lockMs: 5_000, now: () => AT })).toBe(46);
    expect(await allEpisodes()).toHaveLength(2);

    const after = buildReport(await loadReportInputWithInterviews(stores, YEAR), YEAR, AT);
    // Every figure but the repeats, which need the names: only the live episodes are matched.
    expect({ ...after, repeatedChildren: before.repeatedChildren }).toEqual(before);
    expect(after.repeatedChildren).toEqual({ children: 0, episodes: 0 });
    expect(repeatedChildrenOf((await loadRepeatInput(stores, YEAR)).episodes, YEAR)).toEqual([]);

    // Only the two open episodes' children (Orla Oxenholt, k = 46; Merryn Nettlebed, k = 47) are still named.
    const left = identities(await everything());
    expect([...left.givenNames].sort()).toEqual(['Merryn', 'Orla']);
    expect(left.datesOfBirth.size).toBe(2);
    expect(named.datesOfBirth.size).toBeGreaterThan(30);
  });

  it('counts an episode once when its row was written but the purge stopped before deleting it, and keeps the first row written', async () => {
    const open = (await stores.episodes.getMany(await allEpisodes()))[0]!;
    const before = buildReport(await loadReportInputWithInterviews(stores, YEAR), YEAR, AT);
    const [events, deliveries] = await Promise.all([stores.events.eventsOfEpisode(open.episodeId), stores.deliveries.ofEpisode(open.episodeId, false)]);
    await stores.episodes.archive(archivedEpisodeOf(open, events, deliveries)!);
    expect(buildReport(await loadReportInputWithInterviews(stores, YEAR), YEAR, AT)).toEqual(before);

    // A purge run again after deleting the deliveries would write a poorer row: the first stays.
    const purged = (await stores.episodes.archivedBetween(Date.parse('2026-01-01'), Date.parse('2026-02-01')))[0]!;
    expect(purged.deliveries.length).toBeGreaterThan(0);
    await stores.episodes.archive({ ...purged, deliveries: [] });
    expect(buildReport(await loadReportInputWithInterviews(stores, YEAR), YEAR, AT)).toEqual(before);
  });

  it('keeps no name, reference, address or free text in the rows', async () => {
    const live = new Set(await allEpisodes());
    const rows = await stores.episodes.archivedBetween(Date.parse('2025-11-01'), Date.parse('2026-11-01'));
    expect(rows.filter((r) => !live.has(r.episodeId))).toHaveLength(46);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/givenName|familyName|dateOfBirth|policePersonId|description|policeReference|NP-SAMPLE|"email"|@/);
    // Only the deliveries a figure counts: not the area messages that were simply sent.
    expect(rows.flatMap((r) => r.deliveries).every((d) => d.audience === 'direct' || d.ackable || d.escalatedAt || d.status === 'failed' || d.status === 'bounced')).toBe(true);
  });
});
