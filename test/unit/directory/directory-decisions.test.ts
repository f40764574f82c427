import { describe, expect, it } from 'vitest';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import { applyContactsUpsert, applyReferenceRecord, type ReferenceRecord } from '../../../src/directory/directory-import';
import { normalisePostcode, organisationFromBody, parseOrganisationRef, sameContent } from '../../../src/directory/directory.service';
import type { Contact, Organisation } from '../../../src/directory/organisation';

const now = new Date('2026-03-02T09:00:00Z');
const later = new Date('2026-03-03T09:00:00Z');

const contact = (email: string, overrides: Partial<Contact> = {}): Contact => ({
  contactId: contactIdFor(email),
  name: 'Fictional Person',
  email,
  role: 'dsl',
  active: true,
  ...overrides,
});

const school = (overrides: Partial<Organisation> = {}): Organisation => ({
  type: 'school',
  id: '990101',
  name: 'Fictional Fell First School',
  locality: 'Morpeth',
  postcode: 'NE61 9ZA',
  active: true,
  receivesAreaAlerts: true,
  contacts: [contact('dsl@fell.endeavor.test')],
  updatedAt: now.toISOString(),
  ...overrides,
});

const record = (overrides: Partial<ReferenceRecord> = {}): ReferenceRecord => ({
  type: 'school',
  id: '990101',
  name: 'Fictional Fell First School',
  postcode: 'NE61 9ZA',
  active: true,
  ...overrides,
});

describe('applyReferenceRecord', () => {
  it('creates a new organisation with no contacts, area alerts on, and the locality of its postcode', () => {
    expect(applyReferenceRecord(undefined, record({ postcode: 'ne46 9zb' }), now)).toEqual({
      type: 'school',
      id: '990101',
      name: 'Fictional Fell First School',
      locality: 'Hexham',
      postcode: 'NE46 9ZB',
      active: true,
      receivesAreaAlerts: true,
      contacts: [],
      updatedAt: now.toISOString(),
    });
  });

  it('leaves an organisation unchanged when the record says nothing new, contacts and area alerts included', () => {
    const previous = school({ receivesAreaAlerts: false, contacts: [contact('a@fell.endeavor.test'), contact('b@fell.endeavor.test')] });
    expect(sameContent(applyReferenceRecord(previous, record(), later), previous)).toBe(true);
  });

  it('keeps a human-cased name when the extract differs only in case, and takes a real rename', () => {
    const previous = school({ name: 'Fictional Fellside Surgery' });
    expect(applyReferenceRecord(previous, record({ name: 'FICTIONAL FELLSIDE SURGERY' }), later).name).toBe('Fictional Fellside Surgery');
    expect(applyReferenceRecord(previous, record({ name: 'FICTIONAL FELLSIDE MEDICAL GROUP' }), later).name).toBe('FICTIONAL FELLSIDE MEDICAL GROUP');
  });

  it('keeps the organisation\'s own locality and postcode when the extract has no postcode', () => {
    const previous = school({ locality: 'Alnwick', postcode: 'NE66 1ZZ' });
    expect(applyReferenceRecord(previous, record({ postcode: undefined }), later)).toMatchObject({ locality: 'Alnwick', postcode: 'NE66 1ZZ' });
  });

  it('deactivates a closed organisation, and re-activates it only if an import, not an admin, deactivated it', () => {
    const closed = applyReferenceRecord(school(), record({ active: false }), later);
    expect(closed).toMatchObject({ active: false, deactivatedBy: 'import' });
    const reopened = applyReferenceRecord(closed, record(), later);
    expect(reopened.active).toBe(true);
    expect(reopened).not.toHaveProperty('deactivatedBy');
    const byAdmin = school({ active: false, deactivatedBy: 'admin' });
    expect(applyReferenceRecord(byAdmin, record(), later)).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect(applyReferenceRecord(byAdmin, record({ active: false }), later)).toMatchObject({ active: false, deactivatedBy: 'admin' });
  });
});

describe('applyContactsUpsert', () => {
  const upsert = (contacts: Contact[], overrides = {}) => ({
    type: 'school' as const,
    id: '990101',
    name: 'Fictional Fell First School',
    locality: undefined as string | undefined,
    receivesAreaAlerts: true,
    contacts,
    ...overrides,
  });

  it('replaces the contacts the file lists, keeps the others in place, and appends new ones', () => {
    const kept = contact('kept@fell.endeavor.test');
    const old = contact('dsl@fell.endeavor.test', { name: 'Old Name', active: false });
    const replacement = contact('dsl@fell.endeavor.test', { name: 'New Name' });
    const added = contact('new@fell.endeavor.test', { role: 'deputy' });
    const next = applyContactsUpsert(school({ contacts: [old, kept] }), upsert([added, replacement]), later);
    expect(next.contacts).toEqual([replacement, kept, added]);
  });

  it('keeps the organisation\'s locality when the file leaves it empty, and takes the file\'s when given', () => {
    expect(applyContactsUpsert(school({ locality: 'Alnwick' }), upsert([]), later).locality).toBe('Alnwick');
    expect(applyContactsUpsert(school({ locality: undefined, postcode: 'NE24 1ZZ' }), upsert([]), later).locality).toBe('Blyth');
    expect(applyContactsUpsert(school(), upsert([], { locality: 'Hexham', receivesAreaAlerts: false }), later)).toMatchObject({ locality: 'Hexham', receivesAreaAlerts: false });
  });

  it('never changes whether the organisation is active', () => {
    expect(applyContactsUpsert(school({ active: false, deactivatedBy: 'admin' }), upsert([]), later)).toMatchObject({ active: false, deactivatedBy: 'admin' });
  });
});

describe('parseOrganisationRef', () => {
  it('takes a 6-digit URN for a school and an ODS code in any case for a gp', () => {
    expect(parseOrganisationRef('school', '990101')).toEqual({ ok: true, ref: { type: 'school', id: '990101' } });
    expect(parseOrganisationRef('gp', 'a81001')).toEqual({ ok: true, ref: { type: 'gp', id: 'A81001' } });
  });

  it('names the parameter that is wrong', () => {
    expect(parseOrganisationRef('school', '9901011')).toMatchObject({ ok: false, errors: [{ path: 'id' }] });
    expect(parseOrganisationRef('gp', '990101')).toMatchObject({ ok: false, errors: [{ path: 'id' }] });
    expect(parseOrganisationRef('School', '990101')).toMatchObject({ ok: false, errors: [{ path: 'type' }] });
  });
});

describe('normalisePostcode and organisationFromBody', () => {
  it('writes postcodes in the standard form, and leaves what is not a postcode alone but for case', () => {
    expect(normalisePostcode('ne611aa')).toBe('NE61 1AA');
    expect(normalisePostcode(' NE61   1AA ')).toBe('NE61 1AA');
    expect(normalisePostcode('td15')).toBe('TD15');
    expect(normalisePostcode('unknown')).toBe('UNKNOWN');
  });

  it('marks an organisation put inactive as deactivated by an admin, and derives missing contact ids from emails', () => {
    const organisation = organisationFromBody(
      { type: 'school', id: '990101' },
      { name: 'Fictional School', active: false, receivesAreaAlerts: true, contacts: [{ name: 'A Person', email: 'A.Person@fell.endeavor.test', role: 'dsl', active: true }] },
      now,
    );
    expect(organisation).toMatchObject({ active: false, deactivatedBy: 'admin', locality: undefined });
    expect(organisation.contacts[0]?.contactId).toBe(contactIdFor('a.person@fell.endeavor.test'));
  });
});
