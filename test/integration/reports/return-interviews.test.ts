import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { purgeExpired } from '../../../src/episodes/purge';
import { buildReport } from '../../../src/reports/report';
import { loadReportInputWithInterviews } from '../../../src/reports/report-input';
import type { Stores } from '../../../src/stores';
import { privateStores } from '../../helpers/stores';

/*
 * SPEC §13 return home interviews as the report reads them from the store: due by
 * returnInterviewDueAt whenever the episode opened, done by the mark kept beside the record,
 * and still done once the retention purge has left only the episode's anonymous row.
 */

const NOW = new Date('2026-11-30T12:00:00Z');
const HOUR = 3600_000;
let stores: Stores;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stores, close } = await privateStores('rhi'));
});
afterAll(async () => {
  await close();
});

let n = 0;
function found(openedAt: string, foundAt: string): EpisodeRecord {
  n += 1;
  return {
    episodeId: `ep_${(0xb000 + n).toString(16).padStart(24, '0')}`, feedId: 'feed-test', policeReference: `NP-RHI-${n}`, reported: true, state: 'found', risk: 'low',
    openedAt, closedAt: foundAt, foundAt, returnInterviewDueAt: new Date(Date.parse(foundAt) + 72 * HOUR).toISOString(),
    facts: { policeReference: `NP-RHI-${n}`, risk: 'low', child: { givenName: 'Rhichild', familyName: 'Fictional' } },
    schoolUrn: '990001', gpOdsCode: undefined, postcodeDistrict: 'NE61', locality: 'Morpeth', unroutable: [], inactive: [], updatedAt: foundAt,
  } as EpisodeRecord;
}

const interviews = async (from: string, to: string) => buildReport(await loadReportInputWithInterviews(stores, { from, to }), { from, to }, NOW).returnInterviews;
const mark = { recordedAt: '2026-06-12T09:00:00Z', recordedBy: 'mash:worker@endeavor.test' };

describe('return home interviews in the report', () => {
  it('counts an interview due in the range though its episode opened before it, done once recorded', async () => {
    // Opened and found on 30 October: due on 2 November.
    const episode = found('2026-10-30T10:00:00Z', '2026-10-30T20:00:00Z');
    await stores.episodes.save(episode);
    expect(await interviews('2026-11-01', '2026-11-30')).toEqual({ due: 1, done: 0, overdue: 1 });
    expect(await interviews('2026-10-01', '2026-10-31')).toEqual({ due: 0, done: 0, overdue: 0 });
    await stores.episodes.recordReturnInterviewDone(episode.episodeId, { ...mark, recordedAt: '2026-11-01T09:00:00Z' });
    expect(await interviews('2026-11-01', '2026-11-30')).toEqual({ due: 1, done: 1, overdue: 0 });
  });

  it('still counts it as done once the purge has left only the anonymous row, which names nobody', async () => {
    const done = found('2026-06-10T10:00:00Z', '2026-06-10T18:00:00Z');
    const notDone = found('2026-06-11T10:00:00Z', '2026-06-11T18:00:00Z');
    for (const e of [done, notDone]) await stores.episodes.save(e);
    await stores.episodes.recordReturnInterviewDone(done.episodeId, mark);
    expect(await interviews('2026-06-01', '2026-06-30')).toEqual({ due: 2, done: 1, overdue: 1 });

    expect(await purgeExpired({ ...stores, retentionDays: 90, lockMs: 5_000, now: () => NOW })).toBeGreaterThanOrEqual(2);
    expect(await stores.episodes.get(done.episodeId)).toBeUndefined();
    expect((await stores.episodes.returnInterviewsDone([done.episodeId])).size).toBe(0);
    expect(await interviews('2026-06-01', '2026-06-30')).toEqual({ due: 2, done: 1, overdue: 1 });
    const rows = await stores.episodes.archivedBetween(Date.parse('2026-06-01'), Date.parse('2026-07-01'));
    expect(rows.find((r) => r.episodeId === done.episodeId)).toMatchObject({ returnInterviewDoneAt: mark.recordedAt });
    expect(JSON.stringify(rows)).not.toMatch(/worker|@|Rhichild/);
  });
});
