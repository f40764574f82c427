import { describe, expect, it } from 'vitest';
import { auditDetail, organisationChange, readAuditDetail } from '../../../src/directory/directory-changes';
import { applyContactsReplace, applyContactsUpsert } from '../../../src/directory/directory-import';
import type { OrganisationUpsert } from '../../../src/directory/contacts-csv';
import type { Contact } from '../../../src/directory/organisation';
import { contact, school } from '../../helpers/directory';

const NOW = new Date('2026-11-30T10:00:00Z');
const avery = contact('Avery Testperson', 'dsl', 'avery@fell.endeavor.test');
const bryn = contact('Bryn Testperson', 'deputy', 'bryn@fell.endeavor.test');
const cai = contact('Cai Testperson', 'deputy', 'cai@fell.endeavor.test');
const dee = contact('Dee Testperson', 'dsl', 'dee@fell.endeavor.test');
const eve = contact('Eve Testperson', 'dsl', 'eve@fell.endeavor.test');
/** A contact as the change summary gives it. */
const entry = (c: Contact) => ({ contactId: c.contactId, role: c.role, name: c.name, email: c.email });

describe('organisationChange', () => {
  it('gives the fields that changed with their values before and after', () => {
    const before = school('990801', { contacts: [avery] });
    const after = school('990801', { name: 'Fictional Fell Academy', receivesAreaAlerts: false, postcode: 'NE61 2BB', contacts: [avery] });
    expect(organisationChange(before, after)).toEqual({
      type: 'school',
      id: '990801',
      change: 'updated',
      fields: {
        name: { from: 'Fictional School 990801', to: 'Fictional Fell Academy' },
        postcode: { from: 'NE61 1AA', to: 'NE61 2BB' },
        receivesAreaAlerts: { from: true, to: false },
      },
      contacts: {},
    });
  });

  it('gives each contact added, removed, deactivated or re-activated with its name, email and role', () => {
    const before = school('990804', { contacts: [avery, bryn, cai, { ...dee, active: false }] });
    const after = school('990804', { contacts: [{ ...avery, active: false }, bryn, dee, eve] });
    expect(organisationChange(before, after).contacts).toEqual({
      added: [entry(eve)],
      removed: [entry(cai)],
      deactivated: [entry(avery)],
      reactivated: [entry(dee)],
    });
  });

  it('gives a re-addressed, renamed or re-roled contact as it is now, with the value it had', () => {
    const before = school('990805', { contacts: [avery, bryn] });
    const after = school('990805', { contacts: [{ ...avery, email: 'avery.t@fell.endeavor.test' }, { ...bryn, name: 'Bryn T', role: 'dsl' }] });
    const movedAvery = entry({ ...avery, email: 'avery.t@fell.endeavor.test' });
    const newBryn = entry({ ...bryn, name: 'Bryn T', role: 'dsl' });
    expect(organisationChange(before, after).contacts).toEqual({
      readdressed: [{ ...movedAvery, from: 'avery@fell.endeavor.test' }],
      renamed: [{ ...newBryn, from: 'Bryn Testperson' }],
      roleChanged: [{ ...newBryn, from: 'deputy' }],
    });
  });

  it('calls a first version created, with its values, an equal one unchanged, and a deactivation so', () => {
    const org = school('990802', { contacts: [avery] });
    expect(organisationChange(undefined, org)).toEqual({
      type: 'school',
      id: '990802',
      change: 'created',
      fields: {
        name: { from: null, to: 'Fictional School 990802' },
        locality: { from: null, to: 'Morpeth' },
        postcode: { from: null, to: 'NE61 1AA' },
        active: { from: null, to: true },
        receivesAreaAlerts: { from: null, to: true },
      },
      contacts: { added: [entry(avery)] },
    });
    expect(organisationChange(org, { ...org, updatedAt: NOW.toISOString() }).change).toBe('unchanged');
    expect(organisationChange(org, { ...org, active: false, deactivatedBy: 'admin' })).toMatchObject({
      change: 'deactivated',
      fields: { active: { from: true, to: false }, deactivatedBy: { from: null, to: 'admin' } },
    });
  });
});

describe('auditDetail', () => {
  it('writes the change summary with its values, and the extra counts', () => {
    const before = school('990803', { contacts: [avery, bryn] });
    const after = school('990803', { contacts: [{ ...avery, email: 'avery.t@fell.endeavor.test' }] });
    expect(JSON.parse(auditDetail([organisationChange(before, after)], { mode: 'replace' }))).toEqual({
      mode: 'replace',
      changes: [
        {
          org: 'school:990803',
          change: 'updated',
          contacts: { removed: [entry(bryn)], readdressed: [{ ...entry({ ...avery, email: 'avery.t@fell.endeavor.test' }), from: avery.email }] },
        },
      ],
    });
  });

  it('bounds a long list and says how many more there were', () => {
    const changes = Array.from({ length: 5 }, (_, i) => organisationChange(undefined, school(`99090${i}`)));
    expect(JSON.parse(auditDetail(changes, {}, 2))).toMatchObject({ changes: [{}, {}], more: 3 });
  });
});

describe('readAuditDetail', () => {
  it('reads a written detail back as lines a person can follow', () => {
    const before = school('990806', { name: 'Fictional Fell School', contacts: [avery, bryn] });
    const after = school('990806', {
      name: 'Fictional Fell Academy',
      contacts: [{ ...avery, email: 'avery.t@fell.endeavor.test' }, { ...bryn, active: false }, eve],
    });
    const read = readAuditDetail(auditDetail([organisationChange(before, after)], { mode: 'upsert', created: 0, updated: 1 }));
    expect(read).toEqual({
      summary: 'mode upsert, created 0, updated 1; 1 organisation changed',
      organisations: [
        {
          org: 'school:990806',
          change: 'updated',
          lines: [
            'name: “Fictional Fell School” → “Fictional Fell Academy”',
            'contact added: Eve Testperson <eve@fell.endeavor.test>, dsl',
            'contact deactivated: Bryn Testperson <bryn@fell.endeavor.test>, deputy',
            'contact re-addressed: Avery Testperson, dsl: avery@fell.endeavor.test → avery.t@fell.endeavor.test',
          ],
        },
      ],
    });
  });

  it('says how many organisations were left out, and reads nothing that is not such a detail', () => {
    const changes = Array.from({ length: 3 }, (_, i) => organisationChange(undefined, school(`99091${i}`)));
    expect(readAuditDetail(auditDetail(changes, {}, 1))?.summary).toBe('3 organisations changed (2 not listed)');
    for (const detail of ['', '12 deliveries', '{"changes":"x"}', '[1]', 'null']) expect(readAuditDetail(detail)).toBeUndefined();
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
    expect(organisationChange(previous, next).contacts).toEqual({ added: [entry(dee)], deactivated: [entry(bryn)] });
  });

  it('replace re-activates a contact the file lists again', () => {
    const next = applyContactsReplace(previous, { ...upsert, contacts: [avery, cai] }, NOW);
    expect(next.contacts.find((c) => c.contactId === cai.contactId)?.active).toBe(true);
  });
});
