import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueueFanout } from '../../src/intake/accept-event';
import type { MissingEvent } from '../../src/intake/event.schema';
import { contentHash, episodeIdOf, eventUid } from '../../src/intake/ids';
import { FEED_A, signIn, startTestApp, type TestApp } from '../helpers/app';
import { asUser, type AsUser } from '../helpers/dashboard';
import { reportedEvent, updatedEvent } from '../helpers/factories';

/*
 * Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) make text read
 * differently from what it is: one rule rejects them (with control characters) in every
 * free-text field, and pages drop any that were stored before the rule.
 */

const RLO = '\u202e';
const RLI = '\u2067';
const RLM = '\u200f';
const ALM = '\u061c';

let app: TestApp;
let admin: AsUser;
beforeAll(async () => {
  app = await startTestApp({ workers: true, env: { NODE_ENV: 'development' } });
  admin = asUser(app, await signIn(app, 'admin'));
});
afterAll(async () => {
  await app?.close();
});

const MESSAGE = 'must not contain control characters, bidirectional controls or invisible characters';

describe('intake (SPEC §3)', () => {
  const base = reportedEvent();
  it.each([
    ['child.givenName', { child: { ...base.child, givenName: `Test${RLO}child` } }],
    ['child.familyName', { child: { ...base.child, familyName: `${RLI}Fictional` } }],
    ['child.description', { child: { ...base.child, description: `Green coat${RLM}` } }],
    ['lastSeen.area', { lastSeen: { ...base.lastSeen, area: `Morpeth ${ALM}centre` } }],
    ['contact.name', { contact: { ...base.contact, name: `PC ${RLO}Example` } }],
    ['policeReference', { policeReference: `NP-${RLO}1` }],
    // Other format characters and Hangul fillers hide inside a name or split a reference.
    ['child.givenName', { child: { ...base.child, givenName: 'Zeb\u00adedee' } }],
    ['policeReference', { policeReference: 'NP-ZEB\u3164EDEE-7' }],
  ])('answers 422 naming %s', async (path, overrides) => {
    const res = await app.post('/api/v1/events', reportedEvent(overrides));
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toEqual([{ path, message: MESSAGE }]);
  });

  it('answers 422 naming the path when a name holds a byte that is not UTF-8 (it decodes to U+FFFD)', async () => {
    const json = Buffer.from(JSON.stringify(reportedEvent({ child: { ...base.child, familyName: 'Fict#ional' } })), 'utf8');
    const body = Buffer.concat([json.subarray(0, json.indexOf('#')), Buffer.from([0xff]), json.subarray(json.indexOf('#') + 1)]);
    const res = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}` },
      body,
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'child.familyName', message: MESSAGE }]);
  });

  it('answers 422 for a bidi control in an update note', async () => {
    const note = await app.post('/api/v1/events', updatedEvent('NP-BIDI-1', { note: `Seen ${RLI}near the station` }));
    expect(note.status).toBe(422);
    expect(((await note.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'note', message: MESSAGE }]);
  });
});

describe('directory (SPEC §4)', () => {
  const dsl = { name: 'Avery Testperson', email: 'avery.testperson@bidi.endeavor.test', role: 'dsl' };
  const body = (overrides: Record<string, unknown> = {}) => ({ name: 'Fictional Bidi First School', locality: 'Morpeth', contacts: [dsl], ...overrides });

  it('refuses an organisation name with a bidi control (422 with its path)', async () => {
    const res = await admin.put('/api/v1/organisations/school/990701', body({ name: `Fictional ${RLO}School` }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'name', message: MESSAGE }]);
  });

  it('refuses a contact name with a bidi control (422 with its path)', async () => {
    const res = await admin.put('/api/v1/organisations/school/990702', body({ contacts: [{ ...dsl, name: `Avery ${RLM}Testperson` }] }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'contacts.0.name', message: MESSAGE }]);
    expect(await app.directory.get('school', '990702')).toBeUndefined();
  });

  it('rejects CSV rows whose organisation or contact name carries a bidi control', async () => {
    const csv = [
      'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts',
      `school,990703,Fictional ${RLO}School,Morpeth,Avery Testperson,avery@bidi-a.endeavor.test,dsl,true`,
      `school,990704,Fictional Bidi School,Morpeth,Avery ${ALM}Testperson,avery@bidi-b.endeavor.test,dsl,true`,
      'school,990705,Fictional Plain School,Morpeth,Avery Testperson,avery@bidi-c.endeavor.test,dsl,true',
    ].join('\n');
    const res = await admin.upload('/api/v1/organisations/import', csv);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      created: 1,
      rejected: [
        { line: 2, reason: 'name must be 1-200 characters on one line' },
        { line: 3, reason: 'contact_name must be 1-100 characters on one line' },
      ],
    });
    expect(await app.directory.get('school', '990703')).toBeUndefined();
    expect(await app.directory.get('school', '990704')).toBeUndefined();
  });
});

describe('the episode page', () => {
  it('shows text stored before the rule without its bidi controls', async () => {
    // Written straight to the store, as an event accepted before the rule would have been.
    const event = reportedEvent({
      child: { ...reportedEvent().child, givenName: `Zeph${RLO}yrine`, familyName: `${RLI}Quill${ALM}feather`, description: `Red scarf${RLM} (fictional).` },
      contact: { name: `PC ${RLO}Example`, phone: '101' },
    }) as unknown as MissingEvent;
    const uid = eventUid(FEED_A.feedId, event.eventId);
    const episodeId = episodeIdOf(FEED_A.feedId, event.policeReference);
    await app.stores.events.accept({ uid, feedId: FEED_A.feedId, episodeId, event, contentHash: contentHash(event), receivedAt: new Date() });
    await enqueueFanout(app.queues.fanout, uid);

    const page = await vi.waitFor(
      async () => {
        const res = await admin.get(`/dashboard/episodes/${episodeId}`);
        expect(res.status).toBe(200);
        return res.text();
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(page).toContain('Zephyrine');
    expect(page).toContain('Quillfeather');
    expect(page).toContain('PC Example');
    expect(page).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/);
  });
});
