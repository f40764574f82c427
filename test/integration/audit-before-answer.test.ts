import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../src/access/audit.store';
import { signIn, startTestApp, type TestApp } from '../helpers/app';
import { asUser, type AsUser } from '../helpers/dashboard';
import { contact, school, seedDirectory } from '../helpers/directory';
import { drained } from '../helpers/drain';
import { reportedEvent } from '../helpers/factories';
import { until } from '../helpers/until';
import { londonDate } from '../../src/domain/london-time';
import { addDays } from '../../src/reports/report-range';

/*
 * SPEC §8: every view of personal data and every action is in the audit log. Entries are
 * written before the change and before the answer, so a request whose entry cannot be written
 * fails (503) and changes nothing, instead of going unrecorded; directory changes say what
 * changed, with the values before and after.
 */

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

let app: TestApp;
let admin: AsUser;
let mash: AsUser;
let adminCookie: string;
let mashCookie: string;
let episodeId: string;
let failedDeliveryId: string;
beforeAll(async () => {
  // No SMTP server answers, and one attempt is all a delivery gets: the alert fails at once.
  app = await startTestApp({ workers: true, env: { NODE_ENV: 'development', RETRY_ATTEMPTS: '1', RETRY_BASE_MS: '50', RETRY_MAX_DELAY_MS: '200' } });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001')]);
  adminCookie = await signIn(app, 'admin');
  mashCookie = await signIn(app, 'mash');
  admin = asUser(app, adminCookie);
  mash = asUser(app, mashCookie);
  const res = await app.post('/api/v1/events', reportedEvent());
  episodeId = ((await res.json()) as { episodeId: string }).episodeId;
  failedDeliveryId = await vi.waitFor(
    async () => {
      const failed = (await app.stores.deliveries.ofEpisode(episodeId)).find((d) => d.status === 'failed');
      expect(failed).toBeDefined();
      return failed!.deliveryId;
    },
    { timeout: 30_000, interval: 50 },
  );
});
afterEach(async () => {
  await app.redis.del(app.stores.audit.key);
});
afterAll(async () => {
  await app?.close();
});

const entries = async (action: string): Promise<AuditEntry[]> => (await app.stores.audit.recent(1000)).filter((e) => e.action === action);

/** Makes every write to the audit log fail: its key now holds a string, so XADD is refused. */
const breakAuditLog = () => app.redis.set(app.stores.audit.key, 'not a stream');

/** The CSRF token of the session's forms, read from the board (a page that shows no personal data, so not audited). */
async function csrfOf(cookie: string): Promise<string> {
  const page = await (await fetch(`${app.url}/dashboard`, { headers: { cookie } })).text();
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

const postForm = (path: string, fields: Record<string, string>, cookie: string) =>
  fetch(app.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });

const getPage = (path: string, cookie: string) => fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });

async function expectAuditUnavailable(res: Response): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  if (res.headers.get('content-type')?.startsWith('application/problem+json')) {
    expect((await res.json()).type).toBe('urn:endeavor:problem:audit-unavailable');
  }
}

/** The whole directory as stored, to compare before and after a request that must change nothing. */
const directoryNow = () => app.directory.list();

describe('reads of personal data', () => {
  it('audits GET /api/v1/deliveries, naming the user and the filter', async () => {
    expect((await mash.get('/api/v1/deliveries?status=failed')).status).toBe(200);
    expect((await mash.get('/api/v1/deliveries')).status).toBe(200);
    const audit = await entries('deliveries.view');
    expect(audit.map((e) => [e.subject, e.actor.split(':')[0]])).toEqual([
      ['all', 'mash'],
      ['failed', 'mash'],
    ]);
    expect(audit[0]!.detail).toMatch(/^\d+ deliveries$/);
  });

  it('audits the CSV export with its period', async () => {
    expect((await admin.get('/api/v1/deliveries.csv?from=2026-01-01&to=2026-01-31')).status).toBe(200);
    const [entry] = await entries('deliveries.export');
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^admin:/), detail: 'from 2026-01-01T00:00:00.000Z to 2026-01-31T23:59:59.999Z' });
  });

  it('audits the organisations list and an organisation, which name contacts, with the filter and the organisation', async () => {
    expect((await mash.get('/api/v1/organisations?type=school&locality=Morpeth')).status).toBe(200);
    expect((await admin.get('/api/v1/organisations/school/990001')).status).toBe(200);
    expect((await admin.get('/api/v1/organisations/school/999999')).status).toBe(404);
    const audit = await entries('directory.view');
    expect(audit.map((e) => [e.actor.split(':')[0], e.subject, e.detail])).toEqual([
      ['admin', 'school:990001', undefined],
      ['mash', 'organisations', expect.stringMatching(/^type school, locality Morpeth: \d+ organisations?$/)],
    ]);
  });

  it('audits the failed and overdue work lists, which name contacts and carry their notes', async () => {
    expect((await getPage('/dashboard/failed', mashCookie)).status).toBe(200);
    expect((await getPage('/dashboard/overdue', adminCookie)).status).toBe(200);
    expect((await entries('work-list.view')).map((e) => [e.actor.split(':')[0], e.subject, e.detail])).toEqual([
      ['admin', 'overdue', '0 deliveries'],
      ['mash', 'failed', expect.stringMatching(/^[1-9]\d* deliver(y|ies)$/)],
    ]);
  });

  it('audits the directory page, which names the contacts to correct', async () => {
    expect((await getPage('/dashboard/directory?type=school', mashCookie)).status).toBe(200);
    const [entry] = await entries('directory.view');
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^mash:/), subject: 'organisations', detail: expect.stringMatching(/^type school: \d+ organisations?$/) });
  });

  it.each([
    ['the deliveries list', () => mash.get('/api/v1/deliveries')],
    ['the CSV export', () => mash.get('/api/v1/deliveries.csv')],
    ['an episode', () => mash.get(`/api/v1/episodes/${episodeId}`)],
    ['the organisations list', () => mash.get('/api/v1/organisations')],
    ['an organisation', () => mash.get('/api/v1/organisations/school/990001')],
  ])('answers %s with a 503 problem, and no data, when the audit log cannot be written', async (_name, request) => {
    await breakAuditLog();
    const res = await request();
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await expectAuditUnavailable(res);
  });

  it.each(['/dashboard/failed', '/dashboard/overdue', '/dashboard/directory'])('shows no %s page when the view cannot be audited', async (path) => {
    await breakAuditLog();
    const res = await getPage(path, adminCookie);
    await expectAuditUnavailable(res);
    expect(await res.text()).not.toMatch(/DSL 990001|school-990001\.endeavor\.test/);
  });

  it('shows no episode page when the view cannot be audited', async () => {
    await breakAuditLog();
    const res = await admin.get(`/dashboard/episodes/${episodeId}`);
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('Testchild');
  });
});

describe('actions', () => {
  it.each([
    ['the API', () => mash.post(`/api/v1/deliveries/${failedDeliveryId}/retry`, { json: {} })],
    ['the retry button', async () => postForm(`/dashboard/deliveries/${failedDeliveryId}/retry`, { csrf: await csrfOf(mashCookie) }, mashCookie)],
  ])('refuses a retry through %s that cannot be audited (503): the delivery stays failed and nothing is queued or sent', async (_name, retry) => {
    const before = await app.stores.deliveries.get(failedDeliveryId);
    expect(before?.status).toBe('failed');
    await breakAuditLog();
    await expectAuditUnavailable(await retry());
    await drained(app.queues, { deliveries: app.stores.deliveries });
    const after = await app.stores.deliveries.get(failedDeliveryId);
    expect(after).toMatchObject({ status: 'failed', attempts: before!.attempts });
    expect(after!.history).toEqual(before!.history);
  });

  it('writes the retry, from which status, before making it', async () => {
    const res = await mash.post(`/api/v1/deliveries/${failedDeliveryId}/retry`, { json: {} });
    expect(res.status).toBe(202);
    const [entry] = await entries('delivery.retry');
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^mash:/), subject: failedDeliveryId, detail: 'from failed' });
    // No SMTP server answers: the retried alert fails again, and can be retried by the next test.
    await drained(app.queues, { deliveries: app.stores.deliveries });
  });
});

describe('directory changes', () => {
  const avery = contact('Avery Testperson', 'dsl', 'avery@audit.endeavor.test');
  const bryn = contact('Bryn Testperson', 'deputy', 'bryn@audit.endeavor.test');
  const body = (overrides: Record<string, unknown> = {}) => ({
    name: 'Fictional Audit First School',
    locality: 'Morpeth',
    contacts: [avery, bryn].map(({ name, email, role }) => ({ name, email, role })),
    ...overrides,
  });

  const entryOf = (c: { contactId: string; role: string; name: string; email: string }) => ({ contactId: c.contactId, role: c.role, name: c.name, email: c.email });

  it('writes PUT and DELETE with what changed, with the values before and after', async () => {
    expect((await admin.put('/api/v1/organisations/school/990961', body())).status).toBe(201);
    const put = await admin.put(
      '/api/v1/organisations/school/990961',
      body({ name: 'Fictional Audit Academy', contacts: [{ name: avery.name, email: 'avery.new@audit.endeavor.test', role: 'dsl' }, { name: bryn.name, email: bryn.email, role: 'deputy', active: false }] }),
    );
    expect(put.status).toBe(200);
    expect((await admin.delete('/api/v1/organisations/school/990961')).status).toBe(200);

    const puts = await entries('directory.put');
    expect(puts.map((e) => [e.subject, e.actor.split(':')[0]])).toEqual([
      ['school:990961', 'admin'],
      ['school:990961', 'admin'],
    ]);
    expect(JSON.parse(puts[1]!.detail!)).toEqual({
      changes: [
        {
          org: 'school:990961',
          change: 'created',
          fields: {
            name: { from: null, to: 'Fictional Audit First School' },
            locality: { from: null, to: 'Morpeth' },
            active: { from: null, to: true },
            receivesAreaAlerts: { from: null, to: true },
          },
          contacts: { added: [entryOf(avery), entryOf(bryn)] },
        },
      ],
    });
    // A new address without a contact id is a new contact (ids derive from the email): the old one is removed.
    expect(JSON.parse(puts[0]!.detail!)).toEqual({
      changes: [
        {
          org: 'school:990961',
          change: 'updated',
          fields: { name: { from: 'Fictional Audit First School', to: 'Fictional Audit Academy' } },
          contacts: {
            added: [{ contactId: expect.any(String), role: 'dsl', name: avery.name, email: 'avery.new@audit.endeavor.test' }],
            removed: [entryOf(avery)],
            deactivated: [entryOf(bryn)],
          },
        },
      ],
    });
    const [deleted] = await entries('directory.delete');
    expect(JSON.parse(deleted!.detail!)).toEqual({
      changes: [{ org: 'school:990961', change: 'deactivated', fields: { active: { from: true, to: false }, deactivatedBy: { from: null, to: 'admin' } } }],
    });
  });

  it('writes a re-addressed, renamed and re-roled contact (same contact id) with the old and new values', async () => {
    const contactId = 'avery-audit';
    expect((await admin.put('/api/v1/organisations/school/990962', body({ contacts: [{ contactId, name: avery.name, email: avery.email, role: 'dsl' }] }))).status).toBe(201);
    const moved = { contactId, name: 'Avery Newname', email: 'avery.moved@audit.endeavor.test', role: 'deputy' };
    expect((await admin.put('/api/v1/organisations/school/990962', body({ contacts: [moved] }))).status).toBe(200);
    const [latest] = await entries('directory.put');
    expect(JSON.parse(latest!.detail!).changes[0].contacts).toEqual({
      readdressed: [{ ...moved, from: avery.email }],
      renamed: [{ ...moved, from: avery.name }],
      roleChanged: [{ ...moved, from: 'dsl' }],
    });
  });

  it('writes a contacts import with its mode, counts and the contacts it deactivated', async () => {
    await seedDirectory(app.redis, app.config.queuePrefix, [school('990963', { name: 'Fictional School 990963', contacts: [avery, bryn] })]);
    const csv = `type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,990963,Fictional School 990963,Morpeth,${avery.name},${avery.email},dsl,true\n`;
    expect((await admin.upload('/api/v1/organisations/import?mode=replace', csv)).status).toBe(200);
    const [entry] = await entries('directory.import');
    expect(entry!.subject).toBe('contacts');
    expect(JSON.parse(entry!.detail!)).toEqual({
      mode: 'replace',
      created: 0,
      updated: 1,
      rejected: 0,
      changes: [{ org: 'school:990963', change: 'updated', contacts: { deactivated: [entryOf(bryn)] } }],
    });
  });

  it('writes the dashboard import as the API one, and shows the change readably on the audit page', async () => {
    const csv = `type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,990965,Fictional <b>Import</b> School,Morpeth,${avery.name},${avery.email},dsl,true\n`;
    expect((await postForm('/dashboard/directory/import', { csrf: await csrfOf(adminCookie), csv }, adminCookie)).status).toBe(200);
    const [entry] = await entries('directory.import');
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^admin:/), subject: 'contacts' });
    expect(JSON.parse(entry!.detail!)).toMatchObject({ mode: 'upsert', created: 1, changes: [{ org: 'school:990965', change: 'created', contacts: { added: [entryOf(avery)] } }] });

    const page = await (await getPage('/dashboard/audit', mashCookie)).text();
    expect(page).toContain('school:990965');
    expect(page).toContain(`contact added: ${avery.name} &lt;${avery.email}&gt;, dsl`);
    expect(page).toContain('name: none → “Fictional &lt;b&gt;Import&lt;/b&gt; School”');
    expect(page).not.toContain('<b>Import</b>');
  });

  describe('when the audit log cannot be written, answers 503 and changes nothing', () => {
    const contactsCsv = (urn: string) => `type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,${urn},Fictional School ${urn},Morpeth,${bryn.name},${bryn.email},deputy,true\n`;
    const existing = () => seedDirectory(app.redis, app.config.queuePrefix, [school('990964', { name: 'Fictional Kept School', contacts: [avery, bryn] })]);

    it.each([
      ['a PUT that creates', () => admin.put('/api/v1/organisations/school/990966', body())],
      ['a PUT that changes', () => admin.put('/api/v1/organisations/school/990964', body({ contacts: [{ name: avery.name, email: 'avery.other@audit.endeavor.test', role: 'dsl' }] }))],
      ['a DELETE', () => admin.delete('/api/v1/organisations/school/990964')],
      ['a contacts import', () => admin.upload('/api/v1/organisations/import', contactsCsv('990967'))],
      ['a contacts import with mode=replace', () => admin.upload('/api/v1/organisations/import?mode=replace', contactsCsv('990964'))],
      ['a GIAS import', () => admin.upload('/api/v1/organisations/import/gias?la=929', fixture('gias-929.csv'))],
      ['an epraccur import', () => admin.upload('/api/v1/organisations/import/epraccur?commissioner=00L', fixture('epraccur.csv'))],
      ['the dashboard import', async () => postForm('/dashboard/directory/import', { csrf: await csrfOf(adminCookie), csv: contactsCsv('990968') }, adminCookie)],
    ])('%s', async (_name, change) => {
      await existing();
      const before = await directoryNow();
      await breakAuditLog();
      await expectAuditUnavailable(await change());
      expect(await directoryNow()).toEqual(before);
    });
  });
});

describe('account changes, when the audit log cannot be written', () => {
  const PASSWORD = 'correct horse battery staple 7';
  const passwordSignIn = (email: string, password: string) =>
    fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

  it('makes no account (503)', async () => {
    await breakAuditLog();
    const email = 'unaudited@audit.endeavor.test';
    await expectAuditUnavailable(await admin.post('/api/v1/users', { json: { email, name: 'Sample Unaudited', role: 'mash', password: PASSWORD } }));
    expect(await app.stores.users.get(email)).toBeUndefined();
  });

  it('deactivates nobody and ends no session (503)', async () => {
    const email = 'still-active@audit.endeavor.test';
    const created = await admin.post('/api/v1/users', { json: { email, name: 'Sample Active', role: 'mash', password: PASSWORD } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const signedIn = await passwordSignIn(email, PASSWORD);
    expect(signedIn.status).toBe(204);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    await breakAuditLog();
    await expectAuditUnavailable(await admin.patch(`/api/v1/users/${id}`, { active: false }));
    await app.redis.del(app.stores.audit.key);
    expect((await app.stores.users.getById(id))?.active).toBe(true);
    expect((await fetch(`${app.url}/api/v1/episodes`, { headers: { cookie } })).status).toBe(200);
  });

  it('leaves the password as it was (503)', async () => {
    const email = 'same-password@audit.endeavor.test';
    expect((await admin.post('/api/v1/users', { json: { email, name: 'Sample Same', role: 'mash', password: PASSWORD } })).status).toBe(201);
    const signedIn = await passwordSignIn(email, PASSWORD);
    const user = asUser(app, signedIn.headers.get('set-cookie')!.split(';')[0]!);
    await breakAuditLog();
    await expectAuditUnavailable(await user.put('/api/v1/session/password', { currentPassword: PASSWORD, newPassword: 'another horse battery staple 8' }));
    await app.redis.del(app.stores.audit.key);
    expect((await passwordSignIn(email, PASSWORD)).status).toBe(204);
  });
});

describe('the repeated-children list (reports)', () => {
  // Three episodes of one fictional child today: a repeated child, on the list with a name.
  const child = { ...reportedEvent().child, givenName: 'Repeataudit' };
  const today = londonDate(new Date());
  const range = `from=${addDays(today, -1)}&to=${today}`;
  const ids: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ids.push(((await (await app.post('/api/v1/events', reportedEvent({ child }))).json()) as { episodeId: string }).episodeId);
    await until(() => app.stores.episodes.getMany(ids), (records) => records.filter((r) => r.reported).length === 3, 'the three episodes');
  });
  const shownOn = (body: string) => [...body.matchAll(/(ep_[0-9a-f]{24})/g)].map((m) => m[1]!);

  it.each([
    ['page', '/dashboard/reports/repeated', 'report.repeated-children.view'],
    ['CSV', '/dashboard/reports/repeated.csv', 'report.repeated-children.export'],
  ])('writes the %s view with the count and the episode ids it shows', async (_name, path, action) => {
    const res = await mash.get(`${path}?${range}`);
    expect(res.status).toBe(200);
    const shown = [...new Set(shownOn(await res.text()))];
    expect(shown).toEqual(expect.arrayContaining(ids));
    const [entry] = await entries(action);
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^mash:/), subject: `${addDays(today, -1)}..${today}` });
    const detail = JSON.parse(entry!.detail!) as { children: number; episodes: string[] };
    expect(detail.episodes.sort()).toEqual(shown.sort());
    expect(detail.children).toBeGreaterThanOrEqual(1);
    expect(entry!.detail).not.toContain('Repeataudit');
  });

  it.each(['/dashboard/reports/repeated', '/dashboard/reports/repeated.csv'])('answers %s with a 503 and no names when the view cannot be audited', async (path) => {
    await breakAuditLog();
    const res = await mash.get(`${path}?${range}`);
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('Repeataudit');
  });
});
