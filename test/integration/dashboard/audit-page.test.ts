import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';

/*
 * SPEC §8: the audit log page a page at a time (200 entries), newest first, each entry on one page
 * only, joined by an "Older entries" link that carries the stream position; a bad position is a 422.
 */
let app: TestApp;
let mash: string;
const EXTRA = 7;

const get = (path: string) => fetch(app.url + path, { headers: { cookie: mash }, redirect: 'manual' });
const subjectsOn = (page: string) => [...page.matchAll(/<td>(audit-page-test-\d+)<\/td>/g)].map((m) => m[1]!);
const olderLink = (page: string) => /<a href="(\/dashboard\/audit\?before=\d+-\d+)" rel="next">Older entries<\/a>/.exec(page)?.[1];

beforeAll(async () => {
  app = await startTestApp();
  mash = await signIn(app, 'mash');
  for (let n = 1; n <= 200 + EXTRA; n++) {
    await app.stores.audit.append({ at: new Date(Date.UTC(2026, 10, 2, 10, 0, 0, n)).toISOString(), actor: 'test', action: 'test.entry', subject: `audit-page-test-${n}` });
  }
});
afterAll(async () => {
  await app?.close();
});

describe('/dashboard/audit', () => {
  it('shows 200 entries, newest first, and the older ones behind a link, each on one page only', async () => {
    const first = await (await get('/dashboard/audit')).text();
    const newest = subjectsOn(first);
    expect(newest).toHaveLength(200);
    expect(newest[0]).toBe(`audit-page-test-${200 + EXTRA}`);
    const older = olderLink(first);
    expect(older).toBeDefined();
    const rest = subjectsOn(await (await get(older!)).text());
    // The rest, and the sign-in before them (audited too, but not one of this test's entries).
    expect(rest).toEqual(Array.from({ length: EXTRA }, (_, i) => `audit-page-test-${EXTRA - i}`));
    expect(new Set([...newest, ...rest]).size).toBe(200 + EXTRA);
  });

  it('refuses a position that is not one (422), never a 500', async () => {
    for (const bad of ['abc', '1-', '-1', '9'.repeat(30) + '-0', '1-1;DROP']) {
      const res = await get(`/dashboard/audit?before=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(422);
    }
  });
});
