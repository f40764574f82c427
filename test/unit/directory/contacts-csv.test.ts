import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contactSchema } from '../../../src/directory/organisation';
import { ImportFormatError } from '../../../src/directory/csv-records';
import {
  contactIdFor,
  groupContactRows,
  parseContactsCsv,
  type ContactRow,
} from '../../../src/directory/contacts-csv';

const fixture = readFileSync(new URL('../../fixtures/contacts.csv', import.meta.url), 'utf8');
const HEADER = 'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts';
const ROW = 'school,990001,Fictional Fell First School,Morpeth,Avery Ashbrook,avery.ashbrook@fell.endeavor.test,dsl,true';

const csv = (...lines: string[]) => lines.join('\r\n') + '\r\n';

describe('parseContactsCsv on the fixture (BOM, CRLF, quoted commas, bad rows)', () => {
  const { rows, rejected } = parseContactsCsv(fixture);

  it('accepts the valid rows with their physical line numbers', () => {
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 15]);
  });

  it('reads the first column despite the byte order mark', () => {
    expect(rows[0]).toEqual({
      line: 2,
      type: 'school',
      id: '990101',
      name: 'Fictional Fell First School',
      locality: 'Morpeth',
      contactName: 'Avery Ashbrook',
      contactEmail: 'avery.ashbrook@fell-first.endeavor.test',
      contactRole: 'dsl',
      areaAlerts: true,
    });
  });

  it('keeps a comma inside a quoted field as part of the field', () => {
    expect(rows[2]?.name).toBe('Fictional Fellside Surgery, Morpeth');
  });

  it('normalises locality names to their canonical spelling and ODS codes to upper case', () => {
    expect(rows[2]?.locality).toBe('Morpeth');
    expect(rows[3]).toMatchObject({ id: 'Y90101', locality: 'Morpeth', contactRole: 'practice_manager' });
  });

  it('reads area_alerts: empty, yes and 1 mean true; 0 means false; a missing locality stays undefined', () => {
    expect(rows.map((r) => r.areaAlerts)).toEqual([true, true, true, true, false]);
    expect(rows[4]?.locality).toBeUndefined();
  });

  it('rejects each bad row with its line and a reason naming the field, skipping blank lines', () => {
    expect(rejected).toEqual([
      { line: 6, reason: 'id must be a 6-digit URN for a school' },
      { line: 8, reason: 'locality is not a known locality' },
      { line: 9, reason: 'contact_email is not a valid email address' },
      { line: 10, reason: 'contact_role must be one of dsl, deputy, safeguarding_lead, practice_manager' },
      { line: 11, reason: 'expected 8 fields, found 3' },
      { line: 12, reason: 'name must be 1-200 characters on one line' },
      { line: 14, reason: 'area_alerts must be true, false, yes, no, 1, 0 or empty' },
    ]);
  });

  it('parses the same file identically twice', () => {
    expect(parseContactsCsv(fixture)).toEqual({ rows, rejected });
  });
});

describe('parseContactsCsv rules', () => {
  it('accepts the columns in any order when the header names them', () => {
    const { rows } = parseContactsCsv(
      csv(
        'area_alerts,contact_role,contact_email,contact_name,locality,name,id,type',
        'no,deputy,bryn@fell.endeavor.test,Bryn Blackthorn,hexham,Fictional Fell First School,990001,school',
      ),
    );
    expect(rows).toEqual([
      {
        line: 2,
        type: 'school',
        id: '990001',
        name: 'Fictional Fell First School',
        locality: 'Hexham',
        contactName: 'Bryn Blackthorn',
        contactEmail: 'bryn@fell.endeavor.test',
        contactRole: 'deputy',
        areaAlerts: false,
      },
    ]);
  });

  it('accepts header names in any case and with surrounding spaces', () => {
    expect(parseContactsCsv(csv(HEADER.toUpperCase().replaceAll(',', ' , '), ROW)).rows).toHaveLength(1);
  });

  it('refuses a file without the expected header as a format error on line 1', () => {
    expect(() => parseContactsCsv(csv(ROW, ROW))).toThrow(ImportFormatError);
    expect(() => parseContactsCsv(csv(HEADER.replace('contact_email', 'email'), ROW))).toThrow(
      /line 1: .*missing column\(s\) contact_email; unknown column\(s\) at position 6/,
    );
    expect(() => parseContactsCsv(csv(`${HEADER},type`, `${ROW},school`))).toThrow(/repeated column\(s\) at position 9/);
  });

  it('never echoes a header cell: a file without its header row would show a contact', () => {
    const headless = csv('school,990001,Fictional School,Morpeth,Jane Example,jane.example@school.endeavor.test,dsl,yes', ROW);
    expect(() => parseContactsCsv(headless)).toThrow(ImportFormatError);
    try {
      parseContactsCsv(headless);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/Jane|jane\.example|@/);
    }
  });

  it('refuses an empty file as a format error', () => {
    expect(() => parseContactsCsv('')).toThrow(/header row is required/);
    expect(() => parseContactsCsv('\r\n\r\n')).toThrow(ImportFormatError);
  });

  it('returns no rows and no rejections for a header-only file', () => {
    expect(parseContactsCsv(csv(HEADER))).toEqual({ rows: [], rejected: [] });
  });

  it('rejects a row with too many fields', () => {
    expect(parseContactsCsv(csv(HEADER, `${ROW},extra`)).rejected).toEqual([{ line: 2, reason: 'expected 8 fields, found 9' }]);
  });

  it('validates the id against the type: URN for a school, ODS code for a gp', () => {
    const rows = [
      'school,A81001,Fictional School,,Avery Ashbrook,a@x.endeavor.test,dsl,',
      'gp,990001,Fictional Surgery,,Avery Ashbrook,a@x.endeavor.test,safeguarding_lead,',
      'gp,A8100,Fictional Surgery,,Avery Ashbrook,a@x.endeavor.test,safeguarding_lead,',
      'clinic,990001,Fictional Clinic,,Avery Ashbrook,a@x.endeavor.test,dsl,',
      'gp,a81001,Fictional Surgery,,Avery Ashbrook,a@x.endeavor.test,safeguarding_lead,',
    ];
    const { rows: accepted, rejected } = parseContactsCsv(csv(HEADER, ...rows));
    expect(rejected).toEqual([
      { line: 2, reason: 'id must be a 6-digit URN for a school' },
      { line: 3, reason: 'id must be an ODS code (a letter and 5 digits) for a gp' },
      { line: 4, reason: 'id must be an ODS code (a letter and 5 digits) for a gp' },
      { line: 5, reason: 'type must be school or gp' },
    ]);
    expect(accepted.map((r) => r.id)).toEqual(['A81001']);
  });

  it('rejects an empty or over-long organisation name and an empty contact name', () => {
    const { rejected } = parseContactsCsv(
      csv(
        HEADER,
        'school,990001,,,Avery Ashbrook,a@x.endeavor.test,dsl,',
        `school,990001,${'x'.repeat(201)},,Avery Ashbrook,a@x.endeavor.test,dsl,`,
        'school,990001,Fictional School,,,a@x.endeavor.test,dsl,',
      ),
    );
    expect(rejected.map((r) => r.reason)).toEqual([
      'name must be 1-200 characters on one line',
      'name must be 1-200 characters on one line',
      'contact_name must be 1-100 characters on one line',
    ]);
  });

  it('accepts a name of exactly 200 characters', () => {
    const { rows } = parseContactsCsv(csv(HEADER, `school,990001,${'x'.repeat(200)},,Avery Ashbrook,a@x.endeavor.test,dsl,`));
    expect(rows[0]?.name).toHaveLength(200);
  });

  it('lists every problem of a row in one reason', () => {
    const { rejected } = parseContactsCsv(csv(HEADER, 'school,1,Fictional School,Nowhere,Avery Ashbrook,nope,boss,perhaps'));
    expect(rejected[0]?.reason.split('; ')).toHaveLength(5);
  });

  it('never echoes a field value in a reason', () => {
    const { rejected } = parseContactsCsv(csv(HEADER, 'school,990001,Fictional School,Secretville,Avery Ashbrook,secret-person,dsl,'));
    expect(rejected[0]?.reason).not.toMatch(/secret/i);
  });

  it('refuses broken quoting as a format error with the line', () => {
    expect(() => parseContactsCsv(csv(HEADER, ROW, 'school,"990002"x,a,b,c,d,e,f'))).toThrow(/^line 3: malformed CSV/);
  });
});

describe('groupContactRows', () => {
  const row = (overrides: Partial<ContactRow>): ContactRow => ({
    line: 2,
    type: 'school',
    id: '990001',
    name: 'Fictional Fell First School',
    locality: 'Morpeth',
    contactName: 'Avery Ashbrook',
    contactEmail: 'avery.ashbrook@fell.endeavor.test',
    contactRole: 'dsl',
    areaAlerts: true,
    ...overrides,
  });

  it('plans one upsert per organisation with all its contacts, from the fixture', () => {
    const plan = groupContactRows(parseContactsCsv(fixture).rows);
    expect([...plan.keys()]).toEqual(['school:990101', 'gp:Y90101', 'school:990107']);
    expect(plan.get('school:990101')?.contacts.map((c) => c.role)).toEqual(['dsl', 'deputy']);
    expect(plan.get('gp:Y90101')).toMatchObject({
      type: 'gp',
      id: 'Y90101',
      name: 'Fictional Fellside Surgery, Morpeth',
      locality: 'Morpeth',
      receivesAreaAlerts: true,
    });
    expect(plan.get('school:990107')).toMatchObject({ locality: undefined, receivesAreaAlerts: false });
  });

  it('derives each contact id from the lower-cased email, so a re-import changes nothing', () => {
    const first = groupContactRows([row({ contactEmail: 'Avery.Ashbrook@Fell.endeavor.test' })]);
    const second = groupContactRows([row({ contactEmail: 'avery.ashbrook@fell.endeavor.test' })]);
    const id = first.get('school:990001')?.contacts[0]?.contactId;
    expect(id).toBe(second.get('school:990001')?.contacts[0]?.contactId);
    expect(id).toBe(contactIdFor('avery.ashbrook@fell.endeavor.test'));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('builds contacts the directory schema accepts, all active', () => {
    const plan = groupContactRows(parseContactsCsv(fixture).rows);
    for (const upsert of plan.values()) {
      for (const contact of upsert.contacts) {
        expect(contactSchema.parse(contact)).toEqual(contact);
        expect(contact.active).toBe(true);
      }
    }
  });

  it('keeps one contact per email within an organisation, the later row winning', () => {
    const plan = groupContactRows([
      row({ line: 2, contactRole: 'dsl' }),
      row({ line: 3, contactEmail: 'AVERY.ASHBROOK@fell.endeavor.test', contactRole: 'deputy' }),
    ]);
    expect(plan.get('school:990001')?.contacts).toEqual([
      expect.objectContaining({ role: 'deputy', email: 'AVERY.ASHBROOK@fell.endeavor.test' }),
    ]);
  });

  it('keeps the same person as separate contacts of separate organisations', () => {
    const plan = groupContactRows([row({}), row({ type: 'gp', id: 'Y90001', contactRole: 'safeguarding_lead' })]);
    expect(plan.size).toBe(2);
    expect(plan.get('gp:Y90001')?.contacts).toHaveLength(1);
  });

  it('takes the organisation fields from the last row of that organisation', () => {
    const plan = groupContactRows([
      row({ name: 'Old Name', locality: 'Morpeth', areaAlerts: true }),
      row({ name: 'New Name', locality: 'Hexham', areaAlerts: false, contactEmail: 'b@fell.endeavor.test' }),
    ]);
    expect(plan.get('school:990001')).toMatchObject({ name: 'New Name', locality: 'Hexham', receivesAreaAlerts: false });
  });
});
