import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';

/*
 * SPEC §7, §13: a MASH worker records on the episode page that a found child's return home
 * interview took place: a plain form with the CSRF token, audited before it is written, kept by
 * the episode store beside the record and purged with it.
 */

let app: TestApp;
let mash: string;
let admin: string;

const HOUR = 3600_000;
let n = 0;
function episode(state: EpisodeRecord['state']): EpisodeRecord {
  n += 1;
  const foundAt = new Date(Date.now() - 80 * HOUR).toISOString();
  return {
    episodeId: `ep_${(0xa000 + n).toString(16).padStart(24, '0')}`, feedId: 'feed-test', policeReference: `NP-RHI-${n}`, reported: true, state, risk: 'medium',
    openedAt: new Date(Date.now() - 90 * HOUR).toISOString(), closedAt: state === 'open' ? undefined : foundAt, foundAt: state === 'found' ? foundAt : undefined,
    returnInterviewDueAt: state === 'found' ? new Date(Date.parse(foundAt) + 72 * HOUR).toISOString() : undefined,
    facts: { policeReference: `NP-RHI-${n}`, risk: 'medium', child: { givenName: 'Rhichild', familyName: 'Fictional' } },
    schoolUrn: '990001', gpOdsCode: undefined, postcodeDistrict: 'NE61', locality: 'Morpeth', unroutable: [], inactive: [], updatedAt: foundAt,
  } as EpisodeRecord;
}

const get = (path: string, cookie: string) => fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });
const postForm = (path: string, fields: Record<string, string>, cookie: string) =>
  fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
const csrfOf = async (cookie: string, path: string) => /name="csrf" value="([^"]+)"/.exec(await (await get(path, cookie)).text())![1]!;
const recordPath = (episodeId: string) => `/dashboard/episodes/${episodeId}/return-interview`;
const entries = async () => (await app.stores.audit.recent(100)).filter((e) => e.action === 'episode.return-interview-done');

beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  mash = await signIn(app, 'mash');
  admin = await signIn(app, 'admin');
});
afterAll(async () => {
  await app?.close();
});

describe('recording the return home interview', () => {

  it('offers the form on a found episode, and records it: 303 back to the page, which then says so; audited', async () => {
    const found = episode('found');
    await app.stores.episodes.save(found);
    const page = `/dashboard/episodes/${found.episodeId}`;
    const before = await (await get(page, mash)).text();
    expect(before).toContain(`action="${recordPath(found.episodeId)}"`);
    expect(before).toContain('Record the return home interview as done');

    const res = await postForm(recordPath(found.episodeId), { csrf: await csrfOf(mash, page) }, mash);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(page);
    const after = await (await get(page, mash)).text();
    expect(after).toContain('Return home interview done');
    expect(after).not.toContain(`action="${recordPath(found.episodeId)}"`);
    const done = (await app.stores.episodes.returnInterviewsDone([found.episodeId])).get(found.episodeId);
    expect(done).toMatchObject({ recordedBy: expect.stringMatching(/^mash:/) });
    expect(Date.now() - Date.parse(done!.recordedAt)).toBeLessThan(60_000);
    expect(await entries()).toEqual([expect.objectContaining({ subject: found.episodeId, actor: expect.stringMatching(/^mash:/) })]);

    // Again, as another user: the first record stands and nothing more is audited.
    expect((await postForm(recordPath(found.episodeId), { csrf: await csrfOf(admin, page) }, admin)).status).toBe(303);
    expect((await app.stores.episodes.returnInterviewsDone([found.episodeId])).get(found.episodeId)).toEqual(done);
    expect(await entries()).toHaveLength(1);
  });

  it('refuses it without the CSRF token (403), on an episode not found (409) and on none at all (404), recording nothing', async () => {
    const found = episode('found');
    const open = episode('open');
    for (const record of [found, open]) await app.stores.episodes.save(record);
    const csrf = await csrfOf(mash, '/dashboard');
    expect((await postForm(recordPath(found.episodeId), {}, mash)).status).toBe(403);
    expect((await postForm(recordPath(open.episodeId), { csrf }, mash)).status).toBe(409);
    expect((await postForm(recordPath('ep_ffffffffffffffffffffffff'), { csrf }, mash)).status).toBe(404);
    expect((await postForm(recordPath('not-an-episode'), { csrf }, mash)).status).toBe(404);
    expect((await app.stores.episodes.returnInterviewsDone([found.episodeId, open.episodeId])).size).toBe(0);
  });

  it('records nothing when the audit log cannot be written (503)', async () => {
    const found = episode('found');
    await app.stores.episodes.save(found);
    const csrf = await csrfOf(mash, '/dashboard');
    // Every write to the audit log fails: its key now holds a string, so XADD is refused.
    await app.redis.set(app.stores.audit.key, 'not a stream');
    try {
      expect((await postForm(recordPath(found.episodeId), { csrf }, mash)).status).toBe(503);
    } finally {
      await app.redis.del(app.stores.audit.key);
    }
    expect((await app.stores.episodes.returnInterviewsDone([found.episodeId])).size).toBe(0);
  });

  it('is purged with the episode', async () => {
    const found = episode('found');
    await app.stores.episodes.save(found);
    expect(await app.stores.episodes.recordReturnInterviewDone(found.episodeId, { recordedAt: new Date().toISOString(), recordedBy: 'mash:someone@endeavor.test' })).toBe(true);
    await app.stores.episodes.purge(found.episodeId);
    expect((await app.stores.episodes.returnInterviewsDone([found.episodeId])).size).toBe(0);
  });
});

describe('the board after the interview is recorded', () => {
  it('takes the episode off the board’s list of return interviews due', async () => {
    const found = episode('found');
    await app.stores.episodes.save(found);
    const page = `/dashboard/episodes/${found.episodeId}`;
    expect(await (await get('/dashboard', mash)).text()).toContain(found.policeReference);
    expect((await postForm(recordPath(found.episodeId), { csrf: await csrfOf(mash, page) }, mash)).status).toBe(303);
    expect(await (await get('/dashboard', mash)).text()).not.toContain(found.policeReference);
  });
});
