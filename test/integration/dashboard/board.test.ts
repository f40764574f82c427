import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOARD_LIMIT } from '../../../src/dashboard/board.queries';
import { fanOutEvent } from '../../../src/episodes/fan-out';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { eventUid } from '../../../src/intake/ids';
import { FEED_A, signIn, startTestApp, type TestApp } from '../../helpers/app';
import { foundEvent, reportedEvent } from '../../helpers/factories';

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

/*
 * SPEC §13 on the board: an open episode whose child has 3 or more episodes in the last 90 days
 * is marked. The reports go through the real intake and fan-out (no workers: fan-out is run here,
 * and nothing is sent), so the child index is the one the episode's save keeps.
 */
describe('the repeat mark on the live board', () => {
  let live: TestApp;
  let cookie: string;
  const getLive = (path: string) => fetch(live.url + path, { headers: { cookie } });
  type RepeatJson = { episodes: { episodeId: string; policeReference: string; repeatEpisodes: number }[] };

  /** Posts a report (and, when `closed`, its found event) and fans each out; the episode's police reference. */
  async function reported(child: Record<string, unknown>, closed: boolean): Promise<string> {
    const report = reportedEvent();
    const events = [{ ...report, child: { ...report.child, ...child } }, ...(closed ? [foundEvent(report.policeReference)] : [])];
    for (const event of events) {
      expect((await live.post('/api/v1/events', event)).status).toBe(202);
      const deps = { ...live.stores, deliver: live.queues.deliver, lockMs: 5_000, now: () => new Date() };
      expect(await fanOutEvent(deps, eventUid(FEED_A.feedId, event.eventId), 1)).toBe('routed');
    }
    return report.policeReference;
  }

  const zara = { givenName: 'Zara', familyName: 'Quillby', dateOfBirth: '2013-05-14', policePersonId: 'P-BOARD-1' };
  const orrin = { givenName: 'Orrin', familyName: 'Vessey', dateOfBirth: '2012-02-02' };
  let marked: string[];
  let unmarked: string[];

  beforeAll(async () => {
    live = await startTestApp();
    cookie = await signIn(live, 'mash');
    // By person id: two closed episodes (one under another family name) and the open one.
    await reported(zara, true);
    await reported({ ...zara, familyName: 'Quillby-Lee' }, true);
    const zaraOpen = await reported({ ...zara, givenName: 'ZARA' }, false);
    // By feed, name and date of birth: the case and the accents differ.
    await reported({ ...orrin, givenName: 'ORRIN' }, true);
    await reported({ ...orrin, familyName: 'Véssey' }, true);
    const orrinOpen = await reported(orrin, false);
    // Two episodes only, and the names swapped: not repeats.
    await reported({ givenName: 'Wren', familyName: 'Ulgham', dateOfBirth: '2011-03-03' }, true);
    const twice = await reported({ givenName: 'Wren', familyName: 'Ulgham', dateOfBirth: '2011-03-03' }, false);
    const swapped = await reported({ ...orrin, givenName: 'Vessey', familyName: 'Orrin' }, false);
    marked = [zaraOpen, orrinOpen];
    unmarked = [twice, swapped];
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('marks the open episode of a child with 3 episodes in 90 days, by person id and by name and date of birth, in board.json and on the page', async () => {
    const board = (await (await getLive('/dashboard/board.json')).json()) as RepeatJson;
    const repeats = new Map(board.episodes.map((e) => [e.policeReference, e.repeatEpisodes]));
    expect(marked.map((ref) => repeats.get(ref))).toEqual([3, 3]);
    expect(unmarked.map((ref) => repeats.get(ref))).toEqual([0, 0]);

    const page = await (await getLive('/dashboard')).text();
    for (const ref of marked) expect(page).toMatch(new RegExp(`${ref}</a> <span class="tag repeat">Repeat: 3 in 90 days</span>`));
    for (const ref of unmarked) expect(page).toMatch(new RegExp(`${ref}</a></th>`));
  });

  it('reads only the children of the open episodes, not every episode of the last 90 days', async () => {
    const others = Array.from({ length: 300 }, (_, k) => ({
      ...episode(50_000 + k, 'low', 'found'),
      facts: { policeReference: `NP-OTHER-${k}`, risk: 'low', child: { givenName: `Given${k}`, familyName: 'Other', dateOfBirth: '2012-01-01' } },
    }) as EpisodeRecord);
    for (const record of others) await live.stores.episodes.save({ ...record, openedAt: new Date().toISOString() });
    const openedBetween = vi.spyOn(live.stores.episodes, 'openedBetween');
    const getMany = vi.spyOn(live.stores.episodes, 'getMany');
    const board = (await (await getLive('/dashboard/board.json')).json()) as RepeatJson;
    expect(board.episodes.filter((e) => e.repeatEpisodes > 0)).toHaveLength(2);
    expect(openedBetween).not.toHaveBeenCalled();
    // The 4 closed episodes of the two repeated children, and the closed one of the child seen twice.
    expect(getMany.mock.calls.flatMap(([ids]) => ids).sort()).toHaveLength(5);
    vi.restoreAllMocks();
  });
});
