import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../src/access/audit.store';
import { signIn, startTestApp, type TestApp } from '../helpers/app';
import { asUser, type AsUser } from '../helpers/dashboard';
import { contact, school, seedDirectory } from '../helpers/directory';
import { reportedEvent } from '../helpers/factories';

/*
 * SPEC §8: every view of personal data and every action is in the audit log. Entries are
 * written before the answer, so a request whose entry cannot be written fails (503) instead
 * of going unrecorded; directory changes say what changed, by field name and contact id.
 */

let app: TestApp;
let admin: AsUser;
let mash: AsUser;
let episodeId: string;
let failedDeliveryId: string;
beforeAll(async () => {
  // No SMTP server answers, and one attempt is all a delivery gets: the alert fails at once.
  app = await startTestApp({ workers: true, env: { NODE_ENV: 'development', RETRY_ATTEMPTS: '1', RETRY_BASE_MS: '50', RETRY_MAX_DELAY_MS: '200' } });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001')]);
  admin = asUser(app, await signIn(app, 'admin'));
  mash = asUser(app, await signIn(app, 'mash'));
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

  it.each([
    ['the deliveries list', () => mash.get('/api/v1/deliveries')],
    ['the CSV export', () => mash.get('/api/v1/deliveries.csv')],
    ['an episode', () => mash.get(`/api/v1/episodes/${episodeId}`)],
  ])('answers %s with a 503 problem, and no data, when the audit log cannot be written', async (_name, request) => {
    await breakAuditLog();
    const res = await request();
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await res.json()).type).toBe('urn:endeavor:problem:audit-unavailable');
  });

  it('shows no episode page when the view cannot be audited', async () => {
    await breakAuditLog();
    const res = await admin.get(`/dashboard/episodes/${episodeId}`);
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('Testchild');
  });
});

describe('actions', () => {
  it('fails a retry with a 503 problem when it cannot be audited, rather than answer it unrecorded', async () => {
    await breakAuditLog();
    const res = await mash.post(`/api/v1/deliveries/${failedDeliveryId}/retry`, { json: {} });
    expect(res.status).toBe(503);
    expect((await res.json()).type).toBe('urn:endeavor:problem:audit-unavailable');
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

  it('writes PUT and DELETE with what changed, by field and contact id, before answering', async () => {
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
      changes: [{ org: 'school:990961', change: 'created', contacts: { added: [{ contactId: avery.contactId, role: 'dsl' }, { contactId: bryn.contactId, role: 'deputy' }] } }],
    });
    // A new address is a new contact id (ids derive from the email): the old one is removed.
    expect(JSON.parse(puts[0]!.detail!)).toEqual({
      changes: [
        {
          org: 'school:990961',
          change: 'updated',
          fields: ['name'],
          contacts: {
            added: [{ contactId: expect.any(String), role: 'dsl' }],
            removed: [{ contactId: avery.contactId, role: 'dsl' }],
            deactivated: [{ contactId: bryn.contactId, role: 'deputy' }],
          },
        },
      ],
    });
    const [deleted] = await entries('directory.delete');
    expect(JSON.parse(deleted!.detail!)).toEqual({ changes: [{ org: 'school:990961', change: 'deactivated', fields: ['active', 'deactivatedBy'] }] });
    for (const entry of [...puts, deleted!]) expect(entry.detail).not.toMatch(/Testperson|audit\.endeavor\.test/);
  });

  it('writes a re-addressed contact (same contact id, new email) as such', async () => {
    const contactId = 'avery-audit';
    expect((await admin.put('/api/v1/organisations/school/990962', body({ contacts: [{ contactId, name: avery.name, email: avery.email, role: 'dsl' }] }))).status).toBe(201);
    expect((await admin.put('/api/v1/organisations/school/990962', body({ contacts: [{ contactId, name: avery.name, email: 'avery.moved@audit.endeavor.test', role: 'dsl' }] }))).status).toBe(200);
    const [latest] = await entries('directory.put');
    expect(JSON.parse(latest!.detail!).changes[0].contacts).toEqual({ readdressed: [{ contactId, role: 'dsl' }] });
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
      changes: [{ org: 'school:990963', change: 'updated', contacts: { deactivated: [{ contactId: bryn.contactId, role: 'deputy' }] } }],
    });
  });

  it('fails a change with a 503 problem when it cannot be audited', async () => {
    await breakAuditLog();
    const res = await admin.put('/api/v1/organisations/school/990964', body());
    expect(res.status).toBe(503);
    expect((await res.json()).type).toBe('urn:endeavor:problem:audit-unavailable');
  });
});
