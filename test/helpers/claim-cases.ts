import type { Organisation } from '../../src/directory/organisation';
import { contact, school } from './directory';

/*
 * The claim's recipient check (SPEC §6, §11), case by case: run against its pure form,
 * stillSendsTo (test/unit/delivery/recipient), and against the Lua of the claim
 * (test/integration/delivery/send-time-recipient), so the two cannot drift apart.
 */

export const CLAIM_URN = '990190';
export const CLAIMED = contact('Fictional Claimed', 'dsl', `claimed@school-${CLAIM_URN}.endeavor.test`);
const other = contact('Fictional Other', 'deputy', `other@school-${CLAIM_URN}.endeavor.test`);
const withClaimed = (overrides: Partial<typeof CLAIMED> = {}, org: Partial<Organisation> = {}) =>
  school(CLAIM_URN, { contacts: [other, { ...CLAIMED, ...overrides }], ...org });

export type ClaimCase = { name: string; organisation: Organisation | undefined; email: string; sends: boolean };

export const CLAIM_CASES: readonly ClaimCase[] = [
  { name: 'nothing changed', organisation: withClaimed(), email: CLAIMED.email, sends: true },
  { name: 'the organisation was renamed and the contact renamed', organisation: withClaimed({ name: 'Fictional Renamed' }, { name: 'Fictional Academy' }), email: CLAIMED.email, sends: true },
  { name: 'the address changed', organisation: withClaimed({ email: `moved@school-${CLAIM_URN}.endeavor.test` }), email: CLAIMED.email, sends: false },
  { name: 'the address is spelt in other case', organisation: withClaimed({ email: CLAIMED.email.toUpperCase() }), email: CLAIMED.email, sends: false },
  { name: 'the contact was deactivated', organisation: withClaimed({ active: false }), email: CLAIMED.email, sends: false },
  { name: 'the contact is no longer listed', organisation: school(CLAIM_URN, { contacts: [other] }), email: CLAIMED.email, sends: false },
  { name: 'another contact has the address now', organisation: school(CLAIM_URN, { contacts: [{ ...other, email: CLAIMED.email }] }), email: CLAIMED.email, sends: false },
  { name: 'the organisation was deactivated', organisation: withClaimed({}, { active: false, deactivatedBy: 'admin' }), email: CLAIMED.email, sends: false },
  { name: 'the organisation has no contacts', organisation: school(CLAIM_URN, { contacts: [] }), email: CLAIMED.email, sends: false },
  { name: 'the organisation is gone', organisation: undefined, email: CLAIMED.email, sends: false },
];
