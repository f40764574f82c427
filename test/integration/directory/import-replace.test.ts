import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { contact, school, seedDirectory } from '../../helpers/directory';

/*
 * `POST /api/v1/organisations/import?mode=replace`: for each organisation the file names, the
 * file is the whole list of its contacts; the ones it leaves out are deactivated, kept for history.
 */

let app: TestApp;
let admin: AsUser;
beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  admin = asUser(app, await signIn(app, 'admin'));
});
afterAll(async () => {
  await app?.close();
});

const HEADER = 'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts';
const row = (urn: string, name: string, email: string, role: string) => `school,${urn},Fictional School ${urn},Morpeth,${name},${email},${role},true`;

let next = 0;
async function seedPair() {
  const urn = String(990900 + ++next * 2);
  const other = String(990901 + next * 2);
  const stays = contact('Avery Stays', 'dsl', `avery@s${urn}.endeavor.test`);
  const left = contact('Bryn Left', 'deputy', `bryn@s${urn}.endeavor.test`);
  const alsoLeft = contact('Cai Left', 'deputy', `cai@s${urn}.endeavor.test`);
  const untouched = contact('Dee Elsewhere', 'dsl', `dee@s${other}.endeavor.test`);
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school(urn, { name: `Fictional School ${urn}`, contacts: [stays, left, alsoLeft] }),
    school(other, { contacts: [untouched] }),
  ]);
  return { urn, other, stays, left, alsoLeft, untouched };
}

describe('POST /api/v1/organisations/import?mode=replace', () => {
  it("deactivates the named organisations' contacts that the file leaves out, and lists them by id and role", async () => {
    const { urn, other, stays, left, alsoLeft, untouched } = await seedPair();
    const newcomer = `eve@s${urn}.endeavor.test`;
    const csv = [HEADER, row(urn, 'Avery Stays', stays.email, 'dsl'), row(urn, 'Eve Newcomer', newcomer, 'deputy')].join('\n');
    const res = await admin.upload('/api/v1/organisations/import?mode=replace', csv);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      created: 0,
      updated: 1,
      rejected: [],
      deactivated: [
        { type: 'school', id: urn, contactId: left.contactId, role: 'deputy' },
        { type: 'school', id: urn, contactId: alsoLeft.contactId, role: 'deputy' },
      ],
    });
    expect(JSON.stringify(body)).not.toMatch(/Bryn|Cai|endeavor\.test/);

    const stored = await app.directory.get('school', urn);
    expect(stored?.contacts.map((c) => [c.email, c.active])).toEqual([
      [stays.email, true],
      [left.email, false],
      [alsoLeft.email, false],
      [newcomer, true],
    ]);
    // An organisation the file does not name is untouched.
    expect((await app.directory.get('school', other))?.contacts).toEqual([untouched]);

    const again = await admin.upload('/api/v1/organisations/import?mode=replace', csv);
    expect(await again.json()).toEqual({ created: 0, updated: 0, rejected: [], deactivated: [] });
  });

  it('changes nothing when a row is rejected: a typo must not deactivate the person it meant', async () => {
    const { urn, stays, left } = await seedPair();
    const csv = [HEADER, row(urn, 'Avery Stays', stays.email, 'dsl'), row(urn, 'Bryn Left', 'bryn-at-nowhere', 'deputy')].join('\n');
    const res = await admin.upload('/api/v1/organisations/import?mode=replace', csv);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await res.json();
    expect(problem.detail).toBe(
      'The file cannot be imported: line 3: with mode=replace every row must be valid; 1 row is not (contact_email is not a valid email address); nothing was changed.',
    );
    expect(JSON.stringify(problem)).not.toContain('bryn-at-nowhere');
    expect((await app.directory.get('school', urn))?.contacts.find((c) => c.contactId === left.contactId)?.active).toBe(true);
  });

  it('keeps today’s upsert as the default: nobody is deactivated', async () => {
    const { urn, stays } = await seedPair();
    const csv = [HEADER, row(urn, 'Avery Stays', stays.email, 'dsl')].join('\n');
    for (const path of ['/api/v1/organisations/import', '/api/v1/organisations/import?mode=upsert']) {
      const res = await admin.upload(path, csv);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ created: 0, updated: 0, rejected: [] });
    }
    expect((await app.directory.get('school', urn))?.contacts.every((c) => c.active)).toBe(true);
  });

  it('answers 422 naming mode for an unknown or repeated mode, and changes nothing', async () => {
    const { urn, stays } = await seedPair();
    const csv = [HEADER, row(urn, 'Avery Stays', stays.email, 'dsl')].join('\n');
    for (const query of ['mode=delete', 'mode=', 'mode=replace&mode=upsert']) {
      const res = await admin.upload(`/api/v1/organisations/import?${query}`, csv);
      expect([query, res.status]).toEqual([query, 422]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await res.json()).errors).toEqual([{ path: 'mode', message: expect.any(String) }]);
    }
    expect((await app.directory.get('school', urn))?.contacts.every((c) => c.active)).toBe(true);
    expect(contactIdFor(stays.email)).toBe(stays.contactId);
  });
});
