import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactIdFor } from '../../../src/directory/contacts-csv';
import type { ContactChanges, FieldChange } from '../../../src/directory/directory-changes';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';

/*
 * README, Hardening: the audit log may over-record, never under-record. Concurrent writers of
 * one organisation each plan from what they read; a write lands only if the record is still
 * what its plan (and its audit entry) was made from, so the applied entries form one chain.
 */

let app: TestApp;
let admin: AsUser;

beforeAll(async () => {
  app = await startTestApp();
  admin = asUser(app, await signIn(app, 'admin'));
});
afterAll(async () => {
  await app.close();
});

type Entry = { change: string; fields?: Record<string, FieldChange>; contacts?: ContactChanges };

/** The directory.put entries of one organisation, oldest first, with their detail read back. */
async function putEntries(subject: string): Promise<Entry[]> {
  const entries = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'directory.put' && e.subject === subject).reverse();
  return entries.map((e) => (JSON.parse(e.detail!) as { changes: Entry[] }).changes[0]!).filter((c) => c !== undefined);
}

const raceBody = (i: number) => ({
  name: `Fictional Racefield School ${i}`,
  locality: i % 2 === 0 ? 'Morpeth' : 'Hexham',
  contacts: [{ name: `Racer Testperson ${i}`, email: `racer.testperson${i}@racefield.endeavor.test`, role: 'dsl' }],
});

describe('concurrent PUTs of one organisation', () => {
  it('creates it once (one 201), stores one of the bodies, and the audit log holds one unbroken chain of the applied changes', async () => {
    const urn = '999777';
    const bodies = Array.from({ length: 12 }, (_, i) => raceBody(i));
    const statuses = await Promise.all(bodies.map(async (body) => (await admin.put(`/api/v1/organisations/school/${urn}`, body)).status));
    expect(statuses.filter((s) => s === 201), String(statuses)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200), String(statuses)).toHaveLength(11);

    const stored = await app.directory.get('school', urn);
    const winner = bodies.find((b) => b.name === stored?.name);
    expect(winner).toBeDefined();
    expect(stored).toMatchObject({ name: winner!.name, locality: winner!.locality });
    expect(stored?.contacts).toEqual([{ ...winner!.contacts[0], contactId: contactIdFor(winner!.contacts[0]!.email), active: true }]);
    // The locality index agrees with the record: the organisation is listed under its own locality only.
    const other = winner!.locality === 'Morpeth' ? 'Hexham' : 'Morpeth';
    expect((await app.directory.list({ locality: winner!.locality })).map((o) => o.id)).toContain(urn);
    expect((await app.directory.list({ locality: other })).map((o) => o.id)).not.toContain(urn);

    const entries = await putEntries(`school:${urn}`);
    // Every request was applied once, last: its applied entry is the last one naming its body.
    const applied = bodies.map((b) => entries.map((e, at) => ({ e, at })).filter(({ e }) => e.fields?.name?.to === b.name).at(-1));
    expect(applied.every((a) => a !== undefined)).toBe(true);
    const chain = applied.sort((a, b) => a!.at - b!.at).map((a) => a!.e);
    expect(entries.length).toBeGreaterThanOrEqual(chain.length);
    // A round that lost its write leaves its entry (an over-record); the applied ones start with the one creation.
    expect(chain[0]).toMatchObject({ change: 'created', fields: { name: { from: null } } });
    for (let i = 1; i < chain.length; i += 1) {
      const before = chain[i - 1]!;
      expect(chain[i]!.change, `entry ${i}`).toBe('updated');
      expect(chain[i]!.fields?.name?.from, `entry ${i}`).toBe(before.fields!.name!.to);
      // The contact the previous write added is the one this write removed: no removal goes unrecorded.
      expect(chain[i]!.contacts?.removed?.map((c) => c.email), `entry ${i}`).toEqual(before.contacts!.added!.map((c) => c.email));
    }
    expect(chain.at(-1)!.fields!.name!.to).toBe(stored!.name);
  });
});
