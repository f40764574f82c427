import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAge } from '../../../src/dashboard/board';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §8 dashboard pages over plain HTTP: sign-in form, guards, CSRF on forms, the audit of
 * every view of a child's details, escaping, and the strict CSP on every page.
 */

const DSL = 'dsl@school-990001.endeavor.test';
const REFUSED = 'lead@gp-y90001.endeavor.test';
const HOSTILE = '<script>alert(1)</script>';
const PASSWORD = 'correct horse battery staple (fictional)';

let smtp: TestSmtp;
let app: TestApp;
let mash: string;
let admin: string;
let episodeId: string;
let failedDeliveryId: string;
let report: ReturnType<typeof reportedEvent>;

const PAGES = ['/dashboard', '/dashboard/failed', '/dashboard/overdue', '/dashboard/directory', '/dashboard/queues', '/dashboard/audit', '/dashboard/export'];

const get = (path: string, cookie?: string) => fetch(app.url + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
const postForm = (path: string, fields: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(app.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });

/** The CSRF token a page's forms carry, as a browser would read it. */
async function csrfOf(cookie: string, path = '/dashboard'): Promise<string> {
  const page = await (await get(path, cookie)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token on ${path}`);
  return token;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  return (await until(probe, (value) => value !== undefined, 'waitFor', timeoutMs)) as T;
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  smtp.respondToRcptWith((to) => (to === REFUSED ? 550 : 250));
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { SCHOOL_HOURS: 'always', ACK_DEADLINE_SECONDS: '86400', REMINDER_INTERVAL_HOURS: '0' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { contacts: [contact('Fictional DSL', 'dsl', DSL)] }),
    practice('Y90001'),
    school('990002', { name: HOSTILE }),
  ]);
  mash = await signIn(app, 'mash');
  admin = await signIn(app, 'admin');
  report = reportedEvent();
  const posted = await app.post('/api/v1/events', report);
  expect(posted.status).toBe(202);
  episodeId = (await posted.json()).episodeId;
  failedDeliveryId = await waitFor(async () => {
    const deliveries = await app.stores.deliveries.ofEpisode(episodeId);
    return deliveries.find((d) => d.contact.email === REFUSED && d.status === 'failed')?.deliveryId;
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await smtp?.close();
}, 30_000);

describe('signed out', () => {
  it('redirects every dashboard page to /login with 303, and board.json answers 401', async () => {
    for (const path of [...PAGES, `/dashboard/episodes/${episodeId}`]) {
      const res = await get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/login');
    }
    expect((await get('/dashboard/board.json')).status).toBe(401);
    expect((await postForm(`/dashboard/deliveries/${failedDeliveryId}/retry`, {})).status).toBe(303);
  });

  it('refuses a stale or forged session cookie like no cookie at all', async () => {
    const res = await get('/dashboard', 'endeavor_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res.status).toBe(303);
  });
});

describe('the /login form', () => {
  it('shows an accessible sign-in form with the strict CSP', async () => {
    const res = await get('/login');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await res.text();
    expect(page).toContain('<label for="email">');
    expect(page).toContain('<label for="password">');
    expect(page.match(/<h1[ >]/g)).toHaveLength(1);
  });

  it('signs in with 303 to /dashboard and the same HttpOnly, SameSite=Strict cookie as the API', async () => {
    const email = `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await app.users.createUser({ email, role: 'mash', password: PASSWORD }, new Date());
    const res = await postForm('/login', { email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^endeavor_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie.split(';').slice(1).map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    const cookie = setCookie.split(';')[0]!;
    expect((await get('/dashboard', cookie)).status).toBe(200);
    // The JSON API accepts the same cookie.
    expect((await get('/api/v1/episodes', cookie)).status).toBe(200);
    // And a signed-in user going to /login goes on to the board.
    expect((await get('/login', cookie)).headers.get('location')).toBe('/dashboard');
  });

  it('re-renders the form with an error summary and 401 on a wrong password, keeping the email (escaped)', async () => {
    const typed = `"><b>x</b>@endeavor.test`;
    const res = await postForm('/login', { email: typed, password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const page = await res.text();
    expect(page).toContain('There is a problem');
    expect(page).toContain('The email address, password or code is not right.');
    expect(page).toContain('value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;@endeavor.test"');
    expect(page).not.toContain('<b>x</b>');
    const empty = await postForm('/login', { email: '', password: '' });
    expect(empty.status).toBe(401);
  });

  it('slows guessing as the API does: after 10 failures even the right password waits (429)', async () => {
    // Its own app: the failures count against the address too, which the other tests share.
    const own = await startTestApp({ env: { NODE_ENV: 'development' } });
    try {
      const email = `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
      await own.users.createUser({ email, role: 'mash', password: PASSWORD }, new Date());
      const form = (password: string) =>
        fetch(`${own.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password }).toString(), redirect: 'manual' });
      for (let i = 0; i < 10; i += 1) expect((await form(`wrong-${i}`)).status).toBe(401);
      const limited = await form(PASSWORD);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.text()).toContain('Too many sign-in attempts');
    } finally {
      await own.close();
    }
    // Eleven scrypt checks in a row: slow on a loaded machine.
  }, 180_000);

  it('signs out with POST /logout carrying the CSRF token, and refuses it without', async () => {
    const cookie = await signIn(app, 'mash');
    const csrf = await csrfOf(cookie);
    expect((await postForm('/logout', {}, cookie)).status).toBe(403);
    expect((await get('/dashboard', cookie)).status).toBe(200);
    const out = await postForm('/logout', { csrf }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect((await get('/dashboard', cookie)).status).toBe(303);
  });
});

describe('pages for the MASH team', () => {
  it('answers 200 with one h1, a skip link, the nav and the strict CSP on every page', async () => {
    for (const path of [...PAGES, `/dashboard/episodes/${episodeId}`]) {
      const res = await get(path, mash);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/(^|;)\s*default-src 'none'/);
      expect(csp, path).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      const page = await res.text();
      expect(page.match(/<h1[ >]/g), path).toHaveLength(1);
      expect(page, path).toContain('href="#main"');
      expect(page, path).toContain('aria-label="Dashboard"');
      expect(page, path).not.toMatch(/<script>|<style|style="/);
    }
  });

  it('answers 404 as a page for an unknown episode, and shows no child details in any title', async () => {
    const res = await get('/dashboard/episodes/ep_000000000000000000000000', mash);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await (await get(`/dashboard/episodes/${episodeId}`, mash)).text();
    const title = /<title>(.*)<\/title>/.exec(page)![1]!;
    expect(title).toContain(report.policeReference);
    expect(title).not.toContain(report.child.givenName);
  });

  it('writes a child.view audit entry for every view of the episode page, which shows the child', async () => {
    const before = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'child.view' && e.subject === episodeId).length;
    const page = await (await get(`/dashboard/episodes/${episodeId}`, mash)).text();
    expect(page).toContain(`${report.child.givenName} ${report.child.familyName}`);
    // As the direct alert writes it, and the concerns by their names.
    expect(page).toMatch(/14 May 2013 \(age \d+\)/);
    expect(page).toContain('Child sexual exploitation (CSE)');
    expect(page).toContain(report.lastSeen.area);
    await get(`/dashboard/episodes/${episodeId}`, mash);
    const views = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'child.view' && e.subject === episodeId);
    expect(views.length - before).toBe(2);
    expect(views[0]!.actor).toMatch(/^mash:mash-.*@endeavor\.test$/);
    expect(views[0]!.detail).toBeUndefined();
    // The audit page lists it, without the child's details.
    const audit = await (await get('/dashboard/audit', mash)).text();
    expect(audit).toContain('child.view');
    expect(audit).not.toContain(report.child.givenName);
  });

  it('serves board.json: open episodes with reference, risk, age and counts, and nothing about the child', async () => {
    const res = await get('/dashboard/board.json', mash);
    expect(res.status).toBe(200);
    const board = await res.json();
    expect(board).toEqual({ generatedAt: expect.any(String), episodes: expect.any(Array), openEpisodes: expect.any(Number) });
    const row = board.episodes.find((e: { episodeId: string }) => e.episodeId === episodeId);
    expect(row).toEqual({
      episodeId,
      policeReference: report.policeReference,
      risk: 'high',
      openedAt: report.occurredAt,
      age: expect.stringMatching(/^(< 1 min|\d+ min)$/),
      reached: expect.any(Number),
      failed: expect.any(Number),
      pending: expect.any(Number),
      acknowledged: 0,
      directAlerts: 2,
      unroutable: 0,
      escalated: 0,
      repeatEpisodes: 0,
    });
    expect(row.failed).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(board)).not.toContain(report.child.givenName);
  });

  it('escapes a hostile organisation name wherever it is shown', async () => {
    const page = await (await get('/dashboard/directory', mash)).text();
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain(HOSTILE);
    const episode = await (await get(`/dashboard/episodes/${episodeId}`, mash)).text();
    expect(episode).not.toContain(HOSTILE);
  });

  it('filters the directory by type and locality', async () => {
    const schools = await (await get('/dashboard/directory?type=school&locality=Morpeth', mash)).text();
    expect(schools).toContain('Fictional School 990001');
    expect(schools).not.toContain('Fictional Practice Y90001');
    const elsewhere = await (await get('/dashboard/directory?locality=Hexham', mash)).text();
    expect(elsewhere).not.toContain('Fictional School 990001');
  });

  it('lists the failed delivery with a retry form on /dashboard/failed', async () => {
    const page = await (await get('/dashboard/failed', mash)).text();
    expect(page).toContain(`action="/dashboard/deliveries/${failedDeliveryId}/retry"`);
    expect(page).toContain(report.policeReference);
  });
});

describe('retry through the form', () => {
  it('refuses a retry without the CSRF token, with a wrong one, or from another site (403), changing nothing', async () => {
    const csrf = await csrfOf(mash);
    const path = `/dashboard/deliveries/${failedDeliveryId}/retry`;
    for (const [fields, headers] of [
      [{}, {}],
      [{ csrf: 'x'.repeat(csrf.length) }, {}],
      [{ csrf: 'short' }, {}],
      [{ csrf }, { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const res = await postForm(path, fields, mash, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
    // Another user's token is not this session's.
    expect((await postForm(path, { csrf: await csrfOf(admin) }, mash)).status).toBe(403);
    expect((await app.stores.deliveries.get(failedDeliveryId))?.status).toBe('failed');
  });

  it('retries a failed delivery with the token: 303 back, audited, and sent once the server accepts', async () => {
    smtp.respondToRcptWith(250);
    const csrf = await csrfOf(mash);
    const res = await postForm(`/dashboard/deliveries/${failedDeliveryId}/retry`, { csrf, back: `/dashboard/episodes/${episodeId}` }, mash);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/dashboard/episodes/${episodeId}`);
    const audit = await app.stores.audit.recent(50);
    expect(audit.find((e) => e.action === 'delivery.retry' && e.subject === failedDeliveryId)?.actor).toMatch(/^mash:/);
    await waitFor(async () => ((await app.stores.deliveries.get(failedDeliveryId))?.status === 'sent' ? true : undefined));
    // A second retry of what is no longer failed is a conflict, shown as a page.
    const again = await postForm(`/dashboard/deliveries/${failedDeliveryId}/retry`, { csrf }, mash);
    expect(again.status).toBe(409);
  });

  it('never redirects off the dashboard, whatever `back` says', async () => {
    const csrf = await csrfOf(mash);
    const res = await postForm(`/dashboard/deliveries/dl_000000000000000000000000/retry`, { csrf, back: 'https://evil.test/' }, mash);
    expect(res.status).toBe(404);
  });
});

describe('directory import', () => {
  const CSV = 'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,990077,Fictional Import School,Morpeth,Import DSL,dsl@school-990077.endeavor.test,dsl,yes\n';

  it('is for admins only: 403 for the MASH team, and no import form on their page', async () => {
    const csrf = await csrfOf(mash);
    const res = await postForm('/dashboard/directory/import', { csrf, csv: CSV }, mash);
    expect(res.status).toBe(403);
    expect(await app.directory.get('school', '990077')).toBeUndefined();
    expect(await (await get('/dashboard/directory', mash)).text()).not.toContain('/dashboard/directory/import');
  });

  it('needs the CSRF token', async () => {
    expect((await postForm('/dashboard/directory/import', { csv: CSV }, admin)).status).toBe(403);
  });

  it('imports the pasted CSV for an admin and shows created, updated and rejected', async () => {
    const csrf = await csrfOf(admin, '/dashboard/directory');
    const res = await postForm('/dashboard/directory/import', { csrf, csv: `${CSV}school,12,Bad,Morpeth,X,not-an-email,dsl,yes\n` }, admin);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/1 created, 0 updated, 1 rejected/);
    expect(page).toContain('Rejected rows');
    expect((await app.directory.get('school', '990077'))?.name).toBe('Fictional Import School');
    expect((await app.stores.audit.recent(20)).some((e) => e.action === 'directory.import')).toBe(true);
    const empty = await postForm('/dashboard/directory/import', { csrf, csv: '  ' }, admin);
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('There is a problem');
  });
});

describe('the age of an episode on the board', () => {
  it('reads as people say it: minutes, hours and minutes, days and hours', () => {
    const min = 60_000;
    expect([0, 59_999, min, 59 * min, 60 * min, (3 * 60 + 12) * min, 24 * 60 * min, (50 * 60 + 30) * min, -5 * min].map(formatAge)).toEqual([
      '< 1 min', '< 1 min', '1 min', '59 min', '1 h 0 min', '3 h 12 min', '1 d 0 h', '2 d 2 h', '< 1 min',
    ]);
  });
});
