import { describe, expect, it } from 'vitest';
import { auditDetail, organisationChange } from '../../../src/directory/directory-changes';
import { applyContactsReplace, applyContactsUpsert } from '../../../src/directory/directory-import';
import type { OrganisationUpsert } from '../../../src/directory/contacts-csv';
import { contact, school } from '../../helpers/directory';

const NOW = new Date('2026-11-30T10:00:00Z');
const avery = contact('Avery Testperson', 'dsl', 'avery@fell.endeavor.test');
const bryn = contact('Bryn Testperson', 'deputy', 'bryn@fell.endeavor.test');
const cai = contact('Cai Testperson', 'deputy', 'cai@fell.endeavor.test');
const dee = contact('Dee Testperson', 'dsl', 'dee@fell.endeavor.test');
const ref = (c: { contactId: string; role: string }) => ({ contactId: c.contactId, role: c.role });

describe('organisationChange', () => {
  it('names the fields that changed and the contacts added, removed, deactivated, re-addressed, renamed and re-roled', () => {
    const before = school('990801', { contacts: [avery, bryn, cai, { ...dee, active: false }] });
    const after = school('990801', {
      name: 'Fictional Fell Academy',
      receivesAreaAlerts: false,
      contacts: [{ ...avery, email: 'avery.t@fell.endeavor.test' }, { ...bryn, active: false, name: 'Bryn T', role: 'dsl' }, dee],
    });
    expect(organisationChange(before, after)).toEqual({
      type: 'school',
      id: '990801',
      change: 'updated',
      fields: ['name', 'receivesAreaAlerts'],
      contacts: {
        removed: [ref(cai)],
        deactivated: [{ contactId: bryn.contactId, role: 'dsl' }],
        reactivated: [ref(dee)],
        readdressed: [ref(avery)],
        renamed: [{ contactId: bryn.contactId, role: 'dsl' }],
        roleChanged: [{ contactId: bryn.contactId, role: 'dsl' }],
      },
    });
  });

  it('calls a first version created, an equal one unchanged, and a deactivation so', () => {
    const org = school('990802', { contacts: [avery] });
    expect(organisationChange(undefined, org)).toEqual({ type: 'school', id: '990802', change: 'created', fields: [], contacts: { added: [ref(avery)] } });
    expect(organisationChange(org, { ...org, updatedAt: NOW.toISOString() }).change).toBe('unchanged');
    expect(organisationChange(org, { ...org, active: false, deactivatedBy: 'admin' })).toMatchObject({ change: 'deactivated', fields: ['active', 'deactivatedBy'] });
  });

  it('gives the audit log ids and roles, never a name or an email', () => {
    const before = school('990803', { contacts: [avery, bryn] });
    const after = school('990803', { contacts: [{ ...avery, email: 'avery.t@fell.endeavor.test', name: 'Avery T' }] });
    const detail = auditDetail([organisationChange(before, after)], { mode: 'replace' });
    expect(JSON.parse(detail)).toEqual({
      mode: 'replace',
      changes: [{ org: 'school:990803', change: 'updated', contacts: { removed: [ref(bryn)], readdressed: [ref(avery)], renamed: [ref(avery)] } }],
    });
    expect(detail).not.toMatch(/Testperson|Avery|endeavor\.test|@/);
  });

  it('bounds a long list and says how many more there were', () => {
    const changes = Array.from({ length: 5 }, (_, i) => organisationChange(undefined, school(`99090${i}`)));
    expect(JSON.parse(auditDetail(changes, {}, 2))).toMatchObject({ changes: [{}, {}], more: 3 });
  });
});

describe('contacts import modes', () => {
  const upsert: OrganisationUpsert = { type: 'school', id: '990810', name: 'Fictional Fell First School', locality: 'Morpeth', receivesAreaAlerts: true, contacts: [avery, dee] };
  const previous = school('990810', { name: 'Fictional Fell First School', contacts: [avery, bryn, { ...cai, active: false }] });

  it('upsert keeps the contacts the file does not list', () => {
    const next = applyContactsUpsert(previous, upsert, NOW);
    expect(next.contacts.map((c) => [c.contactId, c.active])).toEqual([
      [avery.contactId, true],
      [bryn.contactId, true],
      [cai.contactId, false],
      [dee.contactId, true],
    ]);
  });

  it('replace deactivates (never deletes) the contacts the file does not list, and adds the new ones', () => {
    const next = applyContactsReplace(previous, upsert, NOW);
    expect(next.contacts.map((c) => [c.contactId, c.active])).toEqual([
      [avery.contactId, true],
      [bryn.contactId, false],
      [cai.contactId, false],
      [dee.contactId, true],
    ]);
    expect(organisationChange(previous, next).contacts).toEqual({ added: [ref(dee)], deactivated: [ref(bryn)] });
  });

  it('replace re-activates a contact the file lists again', () => {
    const next = applyContactsReplace(previous, { ...upsert, contacts: [avery, cai] }, NOW);
    expect(next.contacts.find((c) => c.contactId === cai.contactId)?.active).toBe(true);
  });
});
