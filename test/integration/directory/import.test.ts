import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const contactsCsv = fixture('contacts.csv');
const giasCsv = fixture('gias-929.csv');
const epraccurCsv = fixture('epraccur.csv');

// Each test starts from an empty directory under its own prefix.
let app: TestApp;
let admin: AsUser;
beforeEach(async () => {
  app = await startTestApp();
  admin = asUser(app, await signIn(app, 'admin'));
});
afterEach(async () => {
  await app.close();
});

const CONTACTS_REJECTED = [
  { line: 6, reason: 'id must be a 6-digit URN for a school' },
  { line: 8, reason: 'locality is not a known locality' },
  { line: 9, reason: 'contact_email is not a valid email address' },
  { line: 10, reason: 'contact_role must be one of dsl, deputy, safeguarding_lead, practice_manager' },
  { line: 11, reason: 'expected 8 fields, found 3' },
  { line: 12, reason: 'name must be 1-200 characters on one line' },
  { line: 14, reason: 'area_alerts must be true, false, yes, no, 1, 0 or empty' },
];

const GIAS_REJECTED = [
  { line: 8, reason: 'URN must be 6 digits' },
  { line: 9, reason: 'EstablishmentName is empty' },
];

const EPRACCUR_REJECTED = [
  { line: 8, reason: 'expected 27 fields, found 26' },
  { line: 10, reason: 'Organisation Code must be a letter and 5 digits' },
];

const person = (name: string, email: string, role: string, active = true) => ({ contactId: contactIdFor(email), name, email, role, active });

describe('POST /api/v1/organisations/import (contacts CSV)', () => {
  it('applies the valid rows and rejects the others with their line numbers', async () => {
    const res = await admin.upload('/api/v1/organisations/import', contactsCsv);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ created: 3, updated: 0, rejected: CONTACTS_REJECTED });

    expect(await app.directory.get('school', '990101')).toMatchObject({
      name: 'Fictional Fell First School',
      locality: 'Morpeth',
      active: true,
      receivesAreaAlerts: true,
      contacts: [
        person('Avery Ashbrook', 'avery.ashbrook@fell-first.endeavor.test', 'dsl'),
        person('Bryn Blackthorn', 'bryn.blackthorn@fell-first.endeavor.test', 'deputy'),
      ],
    });
    expect(await app.directory.get('gp', 'Y90101')).toMatchObject({ name: 'Fictional Fellside Surgery, Morpeth', locality: 'Morpeth' });
    expect((await app.directory.get('gp', 'Y90101'))?.contacts.map((c) => c.role)).toEqual(['safeguarding_lead', 'practice_manager']);
    expect(await (await admin.get('/api/v1/organisations/school/990107')).json()).toMatchObject({ locality: null, receivesAreaAlerts: false });
    for (const [type, id] of [['school', '990102'], ['school', '990103'], ['school', '990104'], ['gp', 'Y90102'], ['school', '990106']] as const) {
      expect(await app.directory.get(type, id), `${type}:${id}`).toBeUndefined();
    }
  });

  it('changes nothing when the same file is imported again', async () => {
    await admin.upload('/api/v1/organisations/import', contactsCsv);
    const before = await app.directory.list();
    const res = await admin.upload('/api/v1/organisations/import', contactsCsv);
    expect(await res.json()).toEqual({ created: 0, updated: 0, rejected: CONTACTS_REJECTED });
    expect(await app.directory.list()).toEqual(before);
  });

  it('merges into an existing organisation: the file sets name, locality and area alerts, and adds or replaces only the contacts it lists', async () => {
    const kept = { name: 'Kept Testperson', email: 'kept.testperson@fell-first.endeavor.test', role: 'dsl' };
    const replaced = { name: 'Avery Oldname', email: 'Avery.Ashbrook@fell-first.endeavor.test', role: 'deputy' };
    await admin.put('/api/v1/organisations/school/990101', { name: 'Old Name', locality: 'Hexham', postcode: 'NE61 9ZA', receivesAreaAlerts: false, contacts: [kept, replaced] });

    const res = await admin.upload('/api/v1/organisations/import', contactsCsv);
    expect(await res.json()).toMatchObject({ created: 2, updated: 1 });
    const school = await app.directory.get('school', '990101');
    expect(school).toMatchObject({ name: 'Fictional Fell First School', locality: 'Morpeth', postcode: 'NE61 9ZA', receivesAreaAlerts: true });
    expect(school?.contacts).toEqual([
      person(kept.name, kept.email, 'dsl'),
      person('Avery Ashbrook', 'avery.ashbrook@fell-first.endeavor.test', 'dsl'),
      person('Bryn Blackthorn', 'bryn.blackthorn@fell-first.endeavor.test', 'deputy'),
    ]);
  });

  it('answers 422 for a file that is not a contacts CSV, and changes nothing', async () => {
    for (const raw of [giasCsv, '', 'name,email\nx,y\n', 'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\n"unclosed,990101']) {
      const res = await admin.upload('/api/v1/organisations/import', raw);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ status: 422, type: 'urn:endeavor:problem:import-format', detail: expect.any(String) });
    }
    expect(await app.directory.count()).toBe(0);
  });

  it('answers 415 for a body that is not text/csv, and 413 above 5 MB', async () => {
    expect((await admin.upload('/api/v1/organisations/import', contactsCsv, 'application/json')).status).toBe(415);
    const big = await admin.upload('/api/v1/organisations/import', Buffer.alloc(5 * 1024 * 1024 + 1, 'a'));
    expect(big.status).toBe(413);
    expect((await big.json()).detail).toMatch(/5 MB/);
  });
});

describe('POST /api/v1/organisations/import/gias', () => {
  it('creates and refreshes the schools of the authority, deactivates closed ones, and never touches contacts', async () => {
    const dsl = { name: 'Avery Ashbrook', email: 'avery.ashbrook@fell-first.endeavor.test', role: 'dsl' };
    const closing = { name: 'Hollis Ivyhurst', email: 'hollis.ivyhurst@whinmoor.endeavor.test', role: 'dsl' };
    await admin.put('/api/v1/organisations/school/990101', { name: 'Fictional Fell First School', locality: 'Morpeth', contacts: [dsl] });
    await admin.put('/api/v1/organisations/school/990104', { name: 'Fictional Whinmoor First School', postcode: 'NE24 9ZE', contacts: [closing] });
    const before101 = await app.directory.get('school', '990101');

    const res = await admin.upload('/api/v1/organisations/import/gias?la=929', giasCsv);
    expect(res.status).toBe(200);
    // 990101 gains its postcode (updated); 990104 is closed (deactivated); seven more are new.
    expect(await res.json()).toEqual({ created: 7, updated: 1, deactivated: 1, rejected: GIAS_REJECTED });

    const fell = await app.directory.get('school', '990101');
    expect(fell).toMatchObject({ postcode: 'NE61 9ZA', locality: 'Morpeth', active: true });
    expect(fell?.contacts).toEqual(before101?.contacts);
    const whinmoor = await app.directory.get('school', '990104');
    expect(whinmoor).toMatchObject({ active: false, deactivatedBy: 'import', locality: 'Blyth' });
    expect(whinmoor?.contacts).toEqual([person(closing.name, closing.email, 'dsl')]);

    expect(await app.directory.get('school', '990105')).toMatchObject({
      name: 'Fictional St Bede\u2019s RC First School',
      postcode: 'TD15 9ZF',
      locality: 'Berwick',
      active: true,
      receivesAreaAlerts: true,
      contacts: [],
    });
    expect((await app.directory.get('school', '990106'))?.name).toBe('Fictional Sainte-H\u00e9l\u00e8ne Academy');
    expect(await app.directory.get('school', '990106')).toMatchObject({ active: false, deactivatedBy: 'import' });
    expect(await (await admin.get('/api/v1/organisations/school/990110')).json()).toMatchObject({ postcode: null, locality: null, active: true });
    expect(await app.directory.get('school', '990301')).toBeUndefined();
    expect(await app.directory.get('school', '990108')).toBeUndefined();
  });

  it('changes nothing when the same extract is imported again', async () => {
    await admin.upload('/api/v1/organisations/import/gias?la=929', giasCsv);
    const before = await app.directory.list();
    const res = await admin.upload('/api/v1/organisations/import/gias?la=929', giasCsv, 'application/octet-stream');
    expect(await res.json()).toEqual({ created: 0, updated: 0, deactivated: 0, rejected: GIAS_REJECTED });
    expect(await app.directory.list()).toEqual(before);
  });

  it('does not re-activate a school an admin deactivated, but re-activates one an import closed when it reopens', async () => {
    await admin.upload('/api/v1/organisations/import/gias?la=929', giasCsv);
    await admin.delete('/api/v1/organisations/school/990102');
    const reopened = Buffer.from(
      giasCsv.toString('latin1').replace('"990104","929","Northumberland","","Fictional Whinmoor First School","","","","","2","Closed"', '"990104","929","Northumberland","","Fictional Whinmoor First School","","","","","1","Open"'),
      'latin1',
    );
    expect(reopened.equals(giasCsv)).toBe(false);
    const res = await admin.upload('/api/v1/organisations/import/gias?la=929', reopened);
    expect(await res.json()).toMatchObject({ created: 0, updated: 1, deactivated: 0 });
    expect(await app.directory.get('school', '990102')).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect((await app.directory.get('school', '990104'))?.active).toBe(true);
  });

  it('answers 422 for a missing or malformed la, and for a file that is not a GIAS extract, changing nothing', async () => {
    for (const query of ['', '?la=', '?la=92', '?la=northumberland']) {
      const res = await admin.upload(`/api/v1/organisations/import/gias${query}`, giasCsv);
      expect(res.status, query).toBe(422);
      expect((await res.json()).errors, query).toEqual([{ path: 'la', message: expect.any(String) }]);
    }
    for (const raw of [epraccurCsv, contactsCsv, Buffer.alloc(0)]) {
      const res = await admin.upload('/api/v1/organisations/import/gias?la=929', raw);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ type: 'urn:endeavor:problem:import-format' });
    }
    expect(await app.directory.count()).toBe(0);
  });

  it('answers 415 for a content type other than text/csv or application/octet-stream', async () => {
    expect((await admin.upload('/api/v1/organisations/import/gias?la=929', giasCsv, 'application/json')).status).toBe(415);
  });
});

describe('POST /api/v1/organisations/import/epraccur', () => {
  it('creates and refreshes the practices of the commissioner, keeps a human-cased name and never touches contacts', async () => {
    const lead = { name: 'Carys Coldwater', email: 'carys.coldwater@fellside.endeavor.test', role: 'safeguarding_lead' };
    await admin.put('/api/v1/organisations/gp/Y90101', { name: 'Fictional Fellside Surgery', locality: 'Morpeth', contacts: [lead] });
    await admin.put('/api/v1/organisations/gp/Y90103', { name: 'FICTIONAL OLD MILL SURGERY', postcode: 'NE63 9ZD', contacts: [lead] });

    const res = await admin.upload('/api/v1/organisations/import/epraccur?commissioner=00l', epraccurCsv);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ created: 5, updated: 1, deactivated: 1, rejected: EPRACCUR_REJECTED });

    expect(await app.directory.get('gp', 'Y90101')).toMatchObject({
      name: 'Fictional Fellside Surgery',
      postcode: 'NE61 9ZA',
      active: true,
      contacts: [person(lead.name, lead.email, 'safeguarding_lead')],
    });
    expect(await app.directory.get('gp', 'Y90103')).toMatchObject({ active: false, deactivatedBy: 'import', locality: 'Ashington' });
    expect((await app.directory.get('gp', 'Y90103'))?.contacts).toHaveLength(1);
    expect(await app.directory.get('gp', 'Y90105')).toMatchObject({ name: 'FICTIONAL TWEEDSIDE HEALTH CENTRE', locality: 'Berwick', active: true, contacts: [] });
    for (const inactive of ['Y90104', 'Y90109']) expect((await app.directory.get('gp', inactive))?.active, inactive).toBe(false);
    for (const absent of ['Y90201', 'Y90106', 'Y90107']) expect(await app.directory.get('gp', absent), absent).toBeUndefined();

    const again = await admin.upload('/api/v1/organisations/import/epraccur?commissioner=00L', epraccurCsv);
    expect(await again.json()).toEqual({ created: 0, updated: 0, deactivated: 0, rejected: EPRACCUR_REJECTED });
  });

  it('without a commissioner, takes only the practices whose postcode lies in a configured locality', async () => {
    const res = await admin.upload('/api/v1/organisations/import/epraccur', epraccurCsv);
    expect(await res.json()).toEqual({ created: 7, updated: 0, deactivated: 0, rejected: EPRACCUR_REJECTED });
    expect(await app.directory.get('gp', 'Y90201')).toBeUndefined();
    expect((await app.directory.list({ type: 'gp' })).map((o) => o.id)).toEqual(['Y90101', 'Y90102', 'Y90103', 'Y90104', 'Y90105', 'Y90108', 'Y90109']);
  });

  it('answers 422 for a file that is not epraccur, and for a malformed commissioner, changing nothing', async () => {
    for (const raw of [giasCsv, contactsCsv, Buffer.alloc(0)]) {
      const res = await admin.upload('/api/v1/organisations/import/epraccur', raw);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ type: 'urn:endeavor:problem:import-format' });
    }
    const bad = await admin.upload('/api/v1/organisations/import/epraccur?commissioner=0', epraccurCsv);
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors).toEqual([{ path: 'commissioner', message: expect.any(String) }]);
    expect(await app.directory.count()).toBe(0);
  });
});
