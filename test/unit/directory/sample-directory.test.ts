import { describe, expect, it } from 'vitest';
import { LOCALITIES, localityOfPostcode } from '../../../config/localities';
import { ODS_PATTERN, URN_PATTERN, contactSchema, organisationKey } from '../../../src/directory/organisation';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import { SAMPLE_GP_COUNT, SAMPLE_SCHOOL_COUNT, sampleDirectory } from '../../../src/directory/sample-directory';

const now = new Date('2025-03-04T09:30:00.000Z');
const directory = sampleDirectory(now);
const schools = directory.filter((o) => o.type === 'school');
const practices = directory.filter((o) => o.type === 'gp');
const contacts = directory.flatMap((o) => o.contacts);

describe('sampleDirectory', () => {
  it('holds 150 schools and 40 GP practices', () => {
    expect(SAMPLE_SCHOOL_COUNT).toBe(150);
    expect(SAMPLE_GP_COUNT).toBe(40);
    expect(schools).toHaveLength(150);
    expect(practices).toHaveLength(40);
  });

  it('is the same on every call, apart from the updatedAt it is given', () => {
    expect(sampleDirectory(now)).toEqual(directory);
    const later = sampleDirectory(new Date('2026-01-01T00:00:00.000Z'));
    expect(later.map((o) => ({ ...o, updatedAt: '' }))).toEqual(directory.map((o) => ({ ...o, updatedAt: '' })));
    expect(directory.every((o) => o.updatedAt === '2025-03-04T09:30:00.000Z')).toBe(true);
  });

  it('uses valid, unique ids clear of real codes: URNs from 990001, ODS codes from Y90001', () => {
    for (const school of schools) {
      expect(school.id).toMatch(URN_PATTERN);
      expect(Number(school.id)).toBeGreaterThanOrEqual(990001);
    }
    for (const practice of practices) {
      expect(practice.id).toMatch(ODS_PATTERN);
      expect(practice.id).toMatch(/^Y9\d{4}$/);
    }
    const keys = directory.map((o) => organisationKey(o.type, o.id));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('marks every organisation as fictional sample data, with unique names', () => {
    for (const organisation of directory) expect(organisation.name).toMatch(/^Fictional .+ \(sample\)$/);
    expect(new Set(directory.map((o) => o.name)).size).toBe(directory.length);
  });

  it('puts every email on a .test domain, unique across the directory', () => {
    for (const contact of contacts) expect(contact.email).toMatch(/@[a-z0-9.-]+\.endeavor\.test$/);
    expect(new Set(contacts.map((c) => c.email)).size).toBe(contacts.length);
  });

  it('gives each organisation 1 to 3 named contacts the directory schema accepts, with email-derived ids', () => {
    for (const organisation of directory) {
      expect(organisation.contacts.length).toBeGreaterThanOrEqual(1);
      expect(organisation.contacts.length).toBeLessThanOrEqual(3);
      const ids = organisation.contacts.map((c) => c.contactId);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const contact of contacts) {
      expect(contactSchema.parse(contact)).toEqual(contact);
      expect(contact.contactId).toBe(contactIdFor(contact.email));
      expect(contact.name).toMatch(/^\S+ \S+$/);
    }
    expect(directory.some((o) => o.contacts.length === 3)).toBe(true);
  });

  it('gives schools a DSL first and deputies, and practices a safeguarding lead first and a practice manager', () => {
    for (const school of schools) {
      expect(school.contacts[0]?.role).toBe('dsl');
      for (const c of school.contacts.slice(1)) expect(c.role).toBe('deputy');
    }
    for (const practice of practices) {
      expect(practice.contacts[0]?.role).toBe('safeguarding_lead');
      expect(practice.contacts.map((c) => c.role)).not.toContain('dsl');
    }
    expect(practices.some((p) => p.contacts.some((c) => c.role === 'practice_manager'))).toBe(true);
  });

  it('spreads schools and practices over every locality, with postcodes inside their locality', () => {
    for (const locality of LOCALITIES) {
      expect(schools.filter((s) => s.locality === locality.name).length).toBeGreaterThanOrEqual(10);
      expect(practices.some((p) => p.locality === locality.name)).toBe(true);
    }
    for (const organisation of directory) expect(localityOfPostcode(organisation.postcode ?? '')).toBe(organisation.locality);
  });

  it('has every organisation active, and most but not all receiving area alerts', () => {
    expect(directory.every((o) => o.active)).toBe(true);
    const optedOut = directory.filter((o) => !o.receivesAreaAlerts).length;
    expect(optedOut).toBeGreaterThan(0);
    expect(optedOut).toBeLessThan(directory.length / 10);
  });
});
