import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';

let app: TestApp;
let admin: AsUser;
let mash: AsUser;

beforeAll(async () => {
  app = await startTestApp();
  admin = asUser(app, await signIn(app, 'admin'));
  mash = asUser(app, await signIn(app, 'mash'));
});
afterAll(async () => {
  await app.close();
});

let next = 0;
/** A fresh fictional URN per test, so tests in this file never share an organisation. */
const nextUrn = () => String(990500 + ++next);
const nextOds = () => `Y9${String(5000 + ++next).padStart(4, '0')}`;

const dsl = { name: 'Avery Testperson', email: 'avery.testperson@heatherlea.endeavor.test', role: 'dsl' };
const deputy = { name: 'Bryn Testperson', email: 'bryn.testperson@heatherlea.endeavor.test', role: 'deputy' };

const schoolBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'Fictional Heatherlea First School',
  locality: 'Morpeth',
  postcode: 'NE61 1ZZ',
  contacts: [dsl],
  ...overrides,
});

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return res.json();
}

describe('PUT /api/v1/organisations/{type}/{id}', () => {
  it('creates an organisation with 201 and a Location, filling in defaults and contact ids, and GET reads it back', async () => {
    const urn = nextUrn();
    const res = await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody());
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/organisations/school/${urn}`);
    const created = await res.json();
    expect(created).toEqual({
      type: 'school',
      id: urn,
      name: 'Fictional Heatherlea First School',
      locality: 'Morpeth',
      postcode: 'NE61 1ZZ',
      active: true,
      receivesAreaAlerts: true,
      deactivatedBy: null,
      contacts: [{ ...dsl, contactId: contactIdFor(dsl.email), active: true }],
      updatedAt: expect.any(String),
    });
    const read = await mash.get(`/api/v1/organisations/school/${urn}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created);
  });

  it('replaces an existing organisation with 200: fields and contacts left out of the new body are gone', async () => {
    const urn = nextUrn();
    await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody({ contacts: [dsl, deputy] }));
    const res = await admin.put(`/api/v1/organisations/school/${urn}`, {
      name: 'Fictional Heatherlea Primary School',
      locality: 'Hexham',
      receivesAreaAlerts: false,
      contacts: [{ ...deputy, contactId: 'deputy-head' }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const stored = await app.directory.get('school', urn);
    expect(stored).toMatchObject({ name: 'Fictional Heatherlea Primary School', locality: 'Hexham', receivesAreaAlerts: false });
    expect(stored?.postcode).toBeUndefined();
    expect(stored?.contacts).toEqual([{ ...deputy, contactId: 'deputy-head', active: true }]);
  });

  it('derives the locality from the postcode when none is given, and takes a known locality in any case', async () => {
    const derived = nextUrn();
    const res = await admin.put(`/api/v1/organisations/school/${derived}`, schoolBody({ locality: undefined, postcode: 'ne463zz' }));
    expect(await res.json()).toMatchObject({ locality: 'Hexham', postcode: 'NE46 3ZZ' });

    const lowerCase = nextUrn();
    const res2 = await admin.put(`/api/v1/organisations/school/${lowerCase}`, schoolBody({ locality: 'bERWICK' }));
    expect(await res2.json()).toMatchObject({ locality: 'Berwick' });
    expect((await app.directory.list({ locality: 'Berwick' })).map((o) => o.id)).toContain(lowerCase);
  });

  it('stores a GP practice under its upper-case ODS code, whatever case the URL uses', async () => {
    const ods = nextOds();
    const res = await admin.put(`/api/v1/organisations/gp/${ods.toLowerCase()}`, {
      name: 'Fictional Larchfield Surgery',
      locality: 'Blyth',
      contacts: [{ name: 'Carys Testperson', email: 'carys.testperson@larchfield.endeavor.test', role: 'safeguarding_lead' }],
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ type: 'gp', id: ods });
    expect((await mash.get(`/api/v1/organisations/gp/${ods}`)).status).toBe(200);
  });

  it('answers 422 with the path of every field that is wrong', async () => {
    const res = await admin.put(`/api/v1/organisations/school/${nextUrn()}`, {
      locality: 'Atlantis',
      postcode: 'not a postcode',
      active: 'yes',
      colour: 'blue',
      contacts: [{ name: 'Avery Testperson', email: 'not-an-email', role: 'headteacher' }],
    });
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 422, type: 'urn:endeavor:problem:validation-error' });
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'active', 'colour', 'contacts.0.email', 'contacts.0.role']));
    for (const error of problem.errors) expect(error.message).toEqual(expect.any(String));
  });

  it('answers 422 at "locality" for a locality it does not know, and at "postcode" for something that is not a postcode', async () => {
    const res = await admin.put(`/api/v1/organisations/school/${nextUrn()}`, schoolBody({ locality: 'Atlantis', postcode: 'XYZ' }));
    expect(res.status).toBe(422);
    expect((await res.json()).errors).toEqual([
      { path: 'locality', message: 'is not a known locality' },
      { path: 'postcode', message: 'is not a UK postcode' },
    ]);
  });

  it('answers 422 at "id" or "type" for an id that does not fit its type, and stores nothing', async () => {
    for (const [path, field] of [
      ['/api/v1/organisations/school/12345', 'id'],
      ['/api/v1/organisations/school/A81001', 'id'],
      ['/api/v1/organisations/gp/990001', 'id'],
      ['/api/v1/organisations/gp/AB1234', 'id'],
      ['/api/v1/organisations/hospital/990001', 'type'],
    ] as const) {
      const res = await admin.put(path, schoolBody());
      expect(res.status, path).toBe(422);
      expect((await res.json()).errors, path).toEqual([{ path: field, message: expect.any(String) }]);
    }
    expect(await app.directory.get('school', '12345')).toBeUndefined();
  });

  it('requires at least one active named contact for an active organisation, but not for an inactive one', async () => {
    const urn = nextUrn();
    for (const contacts of [[], [{ ...dsl, active: false }]]) {
      const res = await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody({ contacts }));
      expect(res.status).toBe(422);
      expect((await res.json()).errors).toEqual([{ path: 'contacts', message: expect.stringMatching(/named contact/) }]);
    }
    const inactive = await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody({ active: false, contacts: [] }));
    expect(inactive.status).toBe(201);
    expect(await inactive.json()).toMatchObject({ active: false, deactivatedBy: 'admin', contacts: [] });
  });

  it('refuses the same person listed twice, even in another capitalisation', async () => {
    const res = await admin.put(`/api/v1/organisations/school/${nextUrn()}`, schoolBody({ contacts: [dsl, { ...dsl, email: dsl.email.toUpperCase(), role: 'deputy' }] }));
    expect(res.status).toBe(422);
    expect((await res.json()).errors).toEqual([{ path: 'contacts.1.email', message: 'lists the same contact twice' }]);
  });

  it('answers 415 for a body that is not JSON and 400 for broken JSON', async () => {
    const path = `/api/v1/organisations/school/${nextUrn()}`;
    const form = await admin.put(path, undefined, { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const broken = await admin.put(path, undefined, { raw: '{"name":', contentType: 'application/json' });
    expect(broken.status).toBe(400);
  });
});

describe('GET /api/v1/organisations', () => {
  it('lists organisations, filtered by type and by locality in any case', async () => {
    const [morpethSchool, hexhamSchool, morpethGp] = [nextUrn(), nextUrn(), nextOds()];
    const gpContact = { name: 'Dorian Testperson', email: 'dorian.testperson@fellside.endeavor.test', role: 'practice_manager' };
    await admin.put(`/api/v1/organisations/school/${morpethSchool}`, schoolBody());
    await admin.put(`/api/v1/organisations/school/${hexhamSchool}`, schoolBody({ locality: 'Hexham' }));
    await admin.put(`/api/v1/organisations/gp/${morpethGp}`, { name: 'Fictional Fellside Surgery', locality: 'Morpeth', contacts: [gpContact] });

    const all = (await (await mash.get('/api/v1/organisations')).json()).organisations.map((o: { id: string }) => o.id);
    expect(all).toEqual(expect.arrayContaining([morpethSchool, hexhamSchool, morpethGp]));

    const res = await mash.get('/api/v1/organisations?type=school&locality=morpeth');
    expect(res.status).toBe(200);
    const filtered = (await res.json()).organisations as { type: string; locality: string; id: string }[];
    expect(filtered.map((o) => o.id)).toContain(morpethSchool);
    expect(filtered.map((o) => o.id)).not.toContain(hexhamSchool);
    expect(filtered.every((o) => o.type === 'school' && o.locality === 'Morpeth')).toBe(true);
  });

  it('answers 422 for an unknown type or locality in the query', async () => {
    const res = await mash.get('/api/v1/organisations?type=hospital&locality=Atlantis');
    expect(res.status).toBe(422);
    expect((await res.json()).errors.map((e: { path: string }) => e.path)).toEqual(['type', 'locality']);
  });

  it('answers 404 with a problem for an organisation it does not know', async () => {
    const res = await mash.get('/api/v1/organisations/school/990999');
    expect(res.status).toBe(404);
    expect(await problemOf(res)).toMatchObject({ status: 404, type: 'urn:endeavor:problem:not-found' });
  });
});

describe('DELETE /api/v1/organisations/{type}/{id}', () => {
  it('deactivates: 200 with active false, and GET still shows it with its contacts', async () => {
    const urn = nextUrn();
    await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody({ contacts: [dsl, deputy] }));
    const res = await admin.delete(`/api/v1/organisations/school/${urn}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: urn, active: false, deactivatedBy: 'admin' });

    const read = await mash.get(`/api/v1/organisations/school/${urn}`);
    expect(read.status).toBe(200);
    const organisation = await read.json();
    expect(organisation).toMatchObject({ active: false, name: 'Fictional Heatherlea First School' });
    expect(organisation.contacts).toHaveLength(2);
    const again = await admin.delete(`/api/v1/organisations/school/${urn}`);
    expect(again.status).toBe(200);
  });

  it('answers 404 for an organisation it does not know', async () => {
    expect((await admin.delete('/api/v1/organisations/gp/Y99999')).status).toBe(404);
  });
});

describe('who may use the directory API', () => {
  const routes = (urn: string) => [
    ['GET', '/api/v1/organisations'],
    ['GET', `/api/v1/organisations/school/${urn}`],
    ['PUT', `/api/v1/organisations/school/${urn}`],
    ['DELETE', `/api/v1/organisations/school/${urn}`],
    ['POST', '/api/v1/organisations/import'],
    ['POST', '/api/v1/organisations/import/gias?la=929'],
    ['POST', '/api/v1/organisations/import/epraccur'],
  ];

  it('answers 401 on every route without a session, and with an unknown or malformed cookie', async () => {
    const urn = nextUrn();
    for (const cookie of [undefined, 'endeavor_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'endeavor_session=../../x']) {
      const client = asUser(app, cookie);
      for (const [method, path] of routes(urn)) {
        const res =
          method === 'GET' ? await client.get(path!) : method === 'PUT' ? await client.put(path!, schoolBody()) : method === 'DELETE' ? await client.delete(path!) : await client.upload(path!, 'x');
        expect(res.status, `${method} ${path} ${cookie}`).toBe(401);
        expect((await problemOf(res)).status).toBe(401);
      }
    }
    expect(await app.directory.get('school', urn)).toBeUndefined();
  });

  it('answers 403 to the mash role on PUT, DELETE and the imports, and lets it read', async () => {
    const urn = nextUrn();
    await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody());
    expect((await mash.put(`/api/v1/organisations/school/${urn}`, schoolBody({ name: 'Changed by mash' }))).status).toBe(403);
    expect((await mash.delete(`/api/v1/organisations/school/${urn}`)).status).toBe(403);
    for (const path of ['/api/v1/organisations/import', '/api/v1/organisations/import/gias?la=929', '/api/v1/organisations/import/epraccur']) {
      const res = await mash.upload(path, 'type,id\n');
      expect(res.status, path).toBe(403);
      expect((await problemOf(res)).type).toBe('urn:endeavor:problem:forbidden');
    }
    expect((await mash.get(`/api/v1/organisations/school/${urn}`)).status).toBe(200);
    expect((await mash.get('/api/v1/organisations')).status).toBe(200);
    expect(await app.directory.get('school', urn)).toMatchObject({ name: 'Fictional Heatherlea First School', active: true });
  });

  it('refuses writes a page on another site could make: simple content types and Sec-Fetch-Site cross-site', async () => {
    const urn = nextUrn();
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await admin.upload('/api/v1/organisations/import', 'type,id\n', contentType);
      expect(res.status, contentType).toBe(415);
    }
    const crossSite = await admin.put(`/api/v1/organisations/school/${urn}`, schoolBody(), { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(await app.directory.get('school', urn)).toBeUndefined();
  });
});
