import type { RedisClient } from '../../src/platform/redis';
import { contactIdFor } from '../../src/directory/contacts-csv';
import { createDirectoryStore } from '../../src/directory/directory.store';
import type { Contact, ContactRole, Organisation } from '../../src/directory/organisation';

/* Fictional organisations for tests: every address on a .test domain. */

export const contact = (name: string, role: ContactRole, email: string, overrides: Partial<Contact> = {}): Contact => ({
  contactId: contactIdFor(email),
  name,
  email,
  role,
  active: true,
  ...overrides,
});

export function school(urn: string, overrides: Partial<Organisation> = {}): Organisation {
  return {
    type: 'school',
    id: urn,
    name: `Fictional School ${urn}`,
    locality: 'Morpeth',
    postcode: 'NE61 1AA',
    active: true,
    receivesAreaAlerts: true,
    contacts: [contact(`DSL ${urn}`, 'dsl', `dsl@school-${urn}.endeavor.test`)],
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

export function practice(ods: string, overrides: Partial<Organisation> = {}): Organisation {
  return {
    type: 'gp',
    id: ods,
    name: `Fictional Practice ${ods}`,
    locality: 'Morpeth',
    postcode: 'NE61 2BB',
    active: true,
    receivesAreaAlerts: true,
    contacts: [contact(`Lead ${ods}`, 'safeguarding_lead', `lead@gp-${ods.toLowerCase()}.endeavor.test`)],
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

export async function seedDirectory(redis: RedisClient, prefix: string, organisations: Organisation[]): Promise<void> {
  const store = createDirectoryStore(redis, prefix);
  for (const organisation of organisations) await store.put(organisation);
}
