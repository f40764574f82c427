import { describe, expect, it } from 'vitest';
import type { Organisation } from '../../../src/directory/organisation';
import { contactLeft, resolveRecipient, stillSendsTo, type PlannedRecipient } from '../../../src/delivery/recipient';
import { CLAIM_CASES, CLAIMED } from '../../helpers/claim-cases';
import { contact, school } from '../../helpers/directory';

const DSL = contact('Fictional Dsl', 'dsl', 'dsl@school-990001.endeavor.test');
const planned: PlannedRecipient = {
  organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
  contact: { contactId: DSL.contactId, name: DSL.name, email: DSL.email, role: DSL.role },
};
const withDsl = (overrides: Partial<typeof DSL> = {}, org: Partial<Organisation> = {}) =>
  school('990001', { contacts: [{ ...DSL, ...overrides }, contact('Fictional Deputy', 'deputy', 'deputy@school-990001.endeavor.test')], ...org });

describe('resolveRecipient: the contact as the directory has it at send time', () => {
  const supersedes: Array<[string, Organisation | undefined, string]> = [
    ['the organisation is gone from the directory', undefined, 'organisation-removed'],
    ['the organisation was deactivated', withDsl({}, { active: false, deactivatedBy: 'admin' }), 'organisation-deactivated'],
    ['the contact was removed from the organisation', school('990001', { contacts: [contact('New Dsl', 'dsl', 'new-dsl@school-990001.endeavor.test')] }), 'contact-removed'],
    ['the contact was deactivated', withDsl({ active: false }), 'contact-deactivated'],
    ['the contact was deactivated and the organisation too', withDsl({ active: false }, { active: false }), 'organisation-deactivated'],
  ];
  it.each(supersedes)('supersedes when %s, saying why', (_, organisation, reason) => {
    const decision = resolveRecipient(planned, organisation);
    expect(decision.send).toBe(false);
    if (decision.send) return;
    expect(decision.reason).toBe(reason);
    expect(decision.detail).toMatch(/^superseded: /);
    expect(decision.detail).not.toContain('@');
  });

  const sends: Array<[string, Organisation, Partial<typeof DSL>, string[]]> = [
    ['nothing changed', withDsl(), {}, []],
    ['the address changed', withDsl({ email: 'dsl-new@school-990001.endeavor.test' }), { email: 'dsl-new@school-990001.endeavor.test' }, ['email']],
    ['only the case of the address changed', withDsl({ email: 'DSL@School-990001.endeavor.test' }), { email: 'DSL@School-990001.endeavor.test' }, []],
    ['the name and role changed', withDsl({ name: 'Fictional Dsl-Renamed', role: 'deputy' }), { name: 'Fictional Dsl-Renamed', role: 'deputy' }, ['name', 'role']],
    ['the organisation was renamed', withDsl({}, { name: 'Fictional Academy 990001' }), {}, ['organisationName']],
  ];
  it.each(sends)('sends to the current contact when %s', (_, organisation, current, changed) => {
    const decision = resolveRecipient(planned, organisation);
    expect(decision).toEqual({
      send: true,
      contact: { contactId: DSL.contactId, name: current.name ?? DSL.name, email: current.email ?? DSL.email, role: current.role ?? DSL.role },
      organisationName: organisation.name,
      changed,
    });
  });

  it('tells apart a contact who left from an organisation that closed', () => {
    expect(contactLeft('contact-deactivated')).toBe(true);
    expect(contactLeft('contact-removed')).toBe(true);
    expect(contactLeft('organisation-deactivated')).toBe(false);
    expect(contactLeft('organisation-removed')).toBe(false);
  });
});

describe('stillSendsTo: the claim’s check, as a pure function', () => {
  it.each(CLAIM_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(stillSendsTo(c.organisation, CLAIMED.contactId, c.email)).toBe(c.sends);
  });
});
