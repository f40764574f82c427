import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_LIMIT } from '../../../src/dashboard/board.queries';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';

/*
 * SPEC §8 live board, read from the index of open episodes in the board's order: highest risk
 * first, then the longest open; capped at BOARD_LIMIT with a line saying how many more are open.
 * Found episodes leave it, and an update that raises the risk moves the episode up.
 */

let app: TestApp;
let mash: string;
const NOW = Date.parse('2026-11-30T09:00:00Z');
const RISKS = ['very_low', 'low', 'medium', 'high'] as const;

const get = (path: string) => fetch(app.url + path, { headers: { cookie: mash }, redirect: 'manual' });
type BoardJson = { episodes: { episodeId: string; risk: string | null; openedAt: string }[]; openEpisodes: number };

function episode(n: number, risk: EpisodeRecord['risk'], state: EpisodeRecord['state'] = 'open'): EpisodeRecord {
  const openedAt = new Date(NOW - n * 60_000).toISOString();
  return {
    episodeId: `ep_${n.toString(16).padStart(24, '0')}`, feedId: 'northumbria-test', policeReference: `NP-BOARD-${n}`, reported: risk !== undefined,
    state, risk, openedAt, closedAt: state === 'open' ? undefined : openedAt, foundAt: undefined, returnInterviewDueAt: undefined,
    facts: { policeReference: `NP-BOARD-${n}`, risk: risk ?? 'medium', child: {} }, schoolUrn: '990001', gpOdsCode: undefined, postcodeDistrict: 'NE61',
    locality: 'Morpeth', unroutable: [], inactive: [], updatedAt: openedAt,
  } as EpisodeRecord;
}

const records = Array.from({ length: BOARD_LIMIT + 10 }, (_, k) => episode(k + 1, k % 5 === 4 ? undefined : RISKS[k % 4]));

beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(NOW) });
  mash = await signIn(app, 'mash');
  for (const record of records) await app.stores.episodes.save(record);
  await app.stores.episodes.save(episode(9_999, 'high', 'found'));
});
afterAll(async () => {
  await app?.close();
});

describe('the live board', () => {
  it(`shows the ${BOARD_LIMIT} most urgent open episodes, highest risk and longest open first, and says how many are open`, async () => {
    const rank = (r: EpisodeRecord) => (r.risk ? 3 - RISKS.indexOf(r.risk) : 4);
    const expected = [...records].sort((a, b) => rank(a) - rank(b) || Date.parse(a.openedAt) - Date.parse(b.openedAt)).slice(0, BOARD_LIMIT);
    const board = (await (await get('/dashboard/board.json')).json()) as BoardJson;
    expect(board.openEpisodes).toBe(records.length);
    expect(board.episodes.map((e) => e.episodeId)).toEqual(expected.map((r) => r.episodeId));

    const page = await (await get('/dashboard')).text();
    expect(page).toContain(`The ${BOARD_LIMIT} most urgent of ${records.length} open episodes are shown.`);
  });

  it('moves an episode up when its risk is raised, and takes it off when it is found', async () => {
    const lowest = records.find((r) => r.risk === undefined && !records.some((o) => o.risk === undefined && Date.parse(o.openedAt) > Date.parse(r.openedAt)))!;
    await app.stores.episodes.save({ ...lowest, risk: 'high' });
    const found = records.find((r) => r.risk === 'high')!;
    await app.stores.episodes.save({ ...found, state: 'found', closedAt: new Date(NOW).toISOString() });
    const board = (await (await get('/dashboard/board.json')).json()) as BoardJson;
    expect(board.openEpisodes).toBe(records.length - 1);
    expect(board.episodes.map((e) => e.episodeId)).toContain(lowest.episodeId);
    expect(board.episodes.find((e) => e.episodeId === lowest.episodeId)?.risk).toBe('high');
    expect(board.episodes.map((e) => e.episodeId)).not.toContain(found.episodeId);
  });
});
