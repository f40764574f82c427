import { LOCALITIES } from '../../config/localities';
import { contactIdFor } from './contacts-csv';
import type { Contact, ContactRole, Organisation } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * FICTIONAL SAMPLE DIRECTORY (SPEC §9): loaded outside production when the directory is
 * empty, so `npm start` has someone to route to. Every organisation is invented and named
 * "Fictional … (sample)"; URNs start at 990001 and ODS codes at Y90001, away from real
 * codes; every person is invented and every email is on `.endeavor.test`, a reserved
 * top-level domain that can never deliver to a real mailbox.
 */

export const SAMPLE_SCHOOL_COUNT = 150;
export const SAMPLE_GP_COUNT = 40;
export const SAMPLE_EMAIL_DOMAIN = 'endeavor.test';

const PLACES = [
  'Fell', 'Heatherlea', 'Curlew', 'Kestrel', 'Whinmoor', 'Burnside', 'Larchfield', 'Otterburn Vale',
  'Cragside Lane', 'Pinewood', 'Lapwing', 'Millbeck', 'Stonecross', 'Bramblehaugh', 'Ravensdene', 'Willowford',
  'Eastmoor', 'Greystead', 'Harebell', 'Oakhaugh', 'Skylark', 'Thornleigh', 'Windyridge', 'Alderburn', 'Brackenside',
];
const SCHOOL_KINDS = ['First School', 'Primary School', 'Middle School', 'High School', 'Academy', 'Church of England First School'];
const GP_KINDS = ['Surgery', 'Medical Practice', 'Health Centre', 'Family Practice'];

const GIVEN_NAMES = [
  'Avery', 'Bryn', 'Carys', 'Dorian', 'Elspeth', 'Fenwick', 'Gwenllian', 'Hollis', 'Isolde', 'Jory',
  'Kestrel', 'Linnet', 'Merryn', 'Nyle', 'Orla', 'Peregrine', 'Quilla', 'Rowan', 'Sorrel', 'Tamsin',
];
const FAMILY_NAMES = [
  'Ashbrook', 'Blackthorn', 'Coldwater', 'Dunmere', 'Eskdale-Finch', 'Fairhaugh', 'Glenroyd', 'Hollowmere',
  'Ivyhurst', 'Jesmondale', 'Kirkfell', 'Lowmoor', 'Mossbeck', 'Nettlebed', 'Oxenholt', 'Pikestone', 'Quarrybank',
];

const SCHOOL_ROLES: readonly ContactRole[] = ['dsl', 'deputy', 'deputy'];
const GP_ROLES: readonly ContactRole[] = ['safeguarding_lead', 'practice_manager', 'safeguarding_lead'];

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** A made-up but well-formed inward code, different for each organisation. */
const INWARD_LETTERS = [...'ABDEFGHJLNPQRSTUWXYZ'];
const inwardCode = (n: number) => `${n % 10}${pick(INWARD_LETTERS, n)}${pick(INWARD_LETTERS, n * 7 + 3)}`;

function contactsFor(type: OrganisationType, id: string, n: number): Contact[] {
  const roles = type === 'school' ? SCHOOL_ROLES : GP_ROLES;
  const count = 1 + (n % 3);
  return roles.slice(0, count).map((role, k) => {
    const given = pick(GIVEN_NAMES, n * 3 + k);
    const family = pick(FAMILY_NAMES, n * 5 + k * 2);
    const email = `${given}.${family}`.toLowerCase().replace(/[^a-z.]/g, '') + `@${type}-${id.toLowerCase()}.${SAMPLE_EMAIL_DOMAIN}`;
    return { contactId: contactIdFor(email), name: `${given} ${family}`, email, role, active: true };
  });
}

function organisation(type: OrganisationType, id: string, name: string, n: number, updatedAt: string): Organisation {
  const locality = pick(LOCALITIES, n);
  const district = pick(locality.districts, Math.floor(n / LOCALITIES.length));
  return {
    type,
    id,
    name,
    locality: locality.name,
    postcode: `${district} ${inwardCode(n)}`,
    active: true,
    // A few opt out, so the sample shows that area alerts respect the setting.
    receivesAreaAlerts: n % 17 !== 5,
    contacts: contactsFor(type, id, n),
    updatedAt,
  };
}

/** The same 150 schools and 40 GP practices on every call; `now` only stamps `updatedAt`. */
export function sampleDirectory(now: Date): Organisation[] {
  const updatedAt = now.toISOString();
  const schools = Array.from({ length: SAMPLE_SCHOOL_COUNT }, (_, n) => {
    const place = pick(PLACES, n);
    const kind = pick(SCHOOL_KINDS, Math.floor(n / PLACES.length));
    return organisation('school', String(990001 + n), `Fictional ${place} ${kind} (sample)`, n, updatedAt);
  });
  const practices = Array.from({ length: SAMPLE_GP_COUNT }, (_, n) => {
    const place = pick(PLACES, n * 3 + 1);
    const kind = pick(GP_KINDS, n);
    const id = `Y${String(90001 + n)}`;
    return organisation('gp', id, `Fictional ${place} ${kind} (sample)`, n + 7, updatedAt);
  });
  return [...schools, ...practices];
}
