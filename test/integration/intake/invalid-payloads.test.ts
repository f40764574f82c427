import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { eventUid } from '../../../src/intake/ids';
import { cancelledEvent, foundEvent, reportedEvent, uniqueId, updatedEvent } from '../../helpers/factories';

/*
 * A corpus of bodies a police feed might send by mistake (or on purpose), each posted to
 * the real app. Every one must get the specific 4xx of SPEC §3 as an RFC 9457 problem,
 * never a 500; the positive controls at the end keep the corpus from passing by
 * rejecting everything.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

type Json = Record<string, unknown>;

const MINUTE = 60_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
const ref = () => uniqueId('NP');
const clone = <T>(value: T): T => structuredClone(value);

/** The event with one dotted path removed. */
function without(event: Json, path: string): Json {
  const copy = clone(event);
  const keys = path.split('.');
  const last = keys.pop()!;
  let target: Json = copy;
  for (const key of keys) target = target[key] as Json;
  delete target[last];
  return copy;
}

/** The event with one dotted path set; `undefined` drops the field from the JSON. */
function withField(event: Json, path: string, value: unknown): Json {
  const copy = clone(event);
  const keys = path.split('.');
  const last = keys.pop()!;
  let target: Json = copy;
  for (const key of keys) target = target[key] as Json;
  target[last] = value;
  return copy;
}

/** A report whose child has the given fields changed. */
const reportWithChild = (child: Json) => {
  const event = reportedEvent();
  return { ...event, child: { ...event.child, ...child } };
};

/** Raw JSON text of an event with extra members written first, for keys JSON.stringify cannot express. */
const rawWithLeadingMembers = (event: Json, members: string, inside?: string) => {
  const text = JSON.stringify(event);
  return inside ? text.replace(`"${inside}":{`, `"${inside}":{${members},`) : text.replace(/^\{/, `{${members},`);
};

/** A London calendar date (YYYY-MM-DD) `years` before the instant, for birthdays relative to occurredAt. */
const londonDateYearsBefore = (at: Date, years: number) => {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(at)
    .split('-') as [string, string, string];
  return `${String(Number(y) - years).padStart(4, '0')}-${m}-${d}`;
};

type Case = {
  name: string;
  status: number;
  /** Built inside the test, so each case posts a fresh eventId. */
  body?: () => unknown;
  raw?: () => string;
  contentType?: string;
  headers?: Record<string, string>;
  /** For 422: paths that must be among the reported errors. */
  paths?: string[];
};

const invalid = (name: string, body: () => unknown, ...paths: string[]): Case => ({ name, status: 422, body, paths });

const REPORTED_REQUIRED = [
  'eventId',
  'type',
  'occurredAt',
  'policeReference',
  'child',
  'child.givenName',
  'child.familyName',
  'child.dateOfBirth',
  'child.lookedAfter',
  'risk',
  'missingFrom',
  'lastSeen',
  'lastSeen.at',
  'lastSeen.area',
  'contact',
  'contact.name',
  'contact.phone',
];
const FOLLOW_UP_REQUIRED = ['eventId', 'type', 'occurredAt', 'policeReference'];

const missingFieldCases: Case[] = [
  ...REPORTED_REQUIRED.map((path) => invalid(`missing.reported without ${path}`, () => without(reportedEvent(), path), path)),
  ...FOLLOW_UP_REQUIRED.map((path) => invalid(`missing.updated without ${path}`, () => without(updatedEvent(ref()), path), path)),
  ...[...FOLLOW_UP_REQUIRED, 'foundAt'].map((path) =>
    invalid(`missing.found without ${path}`, () => without(foundEvent(ref()), path), path),
  ),
  ...FOLLOW_UP_REQUIRED.map((path) => invalid(`missing.cancelled without ${path}`, () => without(cancelledEvent(ref()), path), path)),
];

const wrongTypeCases: Case[] = [
  invalid('eventId as a number', () => reportedEvent({ eventId: 12345 }), 'eventId'),
  invalid('occurredAt as epoch milliseconds', () => reportedEvent({ occurredAt: Date.now() - MINUTE }), 'occurredAt'),
  invalid('policeReference as an object', () => reportedEvent({ policeReference: { ref: 'NP1' } }), 'policeReference'),
  invalid('child as a string', () => reportedEvent({ child: 'Testchild Fictional' }), 'child'),
  invalid('child as an array', () => reportedEvent({ child: [reportedEvent().child] }), 'child'),
  invalid('child.givenName as a number', () => reportWithChild({ givenName: 42 }), 'child.givenName'),
  invalid('child.lookedAfter as the string "false"', () => reportWithChild({ lookedAfter: 'false' }), 'child.lookedAfter'),
  invalid('child.lookedAfter as 0', () => reportWithChild({ lookedAfter: 0 }), 'child.lookedAfter'),
  invalid('child.dateOfBirth as a number', () => reportWithChild({ dateOfBirth: 20130514 }), 'child.dateOfBirth'),
  invalid('child.schoolUrn as a number', () => reportWithChild({ schoolUrn: 990001 }), 'child.schoolUrn'),
  invalid('risk as null', () => reportedEvent({ risk: null }), 'risk'),
  invalid('lastSeen as a string', () => reportedEvent({ lastSeen: 'Morpeth town centre' }), 'lastSeen'),
  invalid('contact as an array', () => reportedEvent({ contact: [] }), 'contact'),
  invalid('contact.phone as a number', () => withField(reportedEvent(), 'contact.phone', 101), 'contact.phone'),
  invalid('note as an array', () => updatedEvent(ref(), { note: ['sighting'] }), 'note'),
  invalid('foundAt as a boolean', () => foundEvent(ref(), { foundAt: true }), 'foundAt'),
  invalid('reason as a number', () => cancelledEvent(ref(), { reason: 5 }), 'reason'),
];

const unknownFieldCases: Case[] = [
  invalid('an unknown top-level field', () => reportedEvent({ priority: 'urgent' }), 'priority'),
  invalid('an unknown field in child', () => reportWithChild({ unknownField: 'x' }), 'child.unknownField'),
  invalid('a full address in lastSeen', () => withField(reportedEvent(), 'lastSeen.address', '1 Fictional Street, Morpeth'), 'lastSeen.address'),
  invalid('an unknown field in contact', () => withField(reportedEvent(), 'contact.mobile', '07700900000'), 'contact.mobile'),
  invalid('report fields on an update (missingFrom)', () => updatedEvent(ref(), { missingFrom: 'home' }), 'missingFrom'),
  invalid('an unknown field in an update\'s child', () => updatedEvent(ref(), { child: { nickname: 'T' } }), 'child.nickname'),
  invalid('where the child was found, on a found event', () => foundEvent(ref(), { foundLocation: 'Newcastle' }), 'foundLocation'),
  invalid('risk on a found event', () => foundEvent(ref(), { risk: 'high' }), 'risk'),
  invalid('child details on a cancel', () => cancelledEvent(ref(), { child: reportedEvent().child }), 'child'),
];

const idAndTypeCases: Case[] = [
  invalid('eventId with a slash', () => reportedEvent({ eventId: `ev/${uniqueId()}` }), 'eventId'),
  invalid('eventId with a space', () => reportedEvent({ eventId: `ev ${uniqueId()}` }), 'eventId'),
  invalid('eventId with non-ASCII letters', () => reportedEvent({ eventId: `évé-${uniqueId()}` }), 'eventId'),
  invalid('eventId of 129 characters', () => reportedEvent({ eventId: uniqueId().padEnd(129, 'x') }), 'eventId'),
  invalid('an empty eventId', () => reportedEvent({ eventId: '' }), 'eventId'),
  invalid('an unknown type', () => reportedEvent({ type: 'missing.deleted' }), 'type'),
  invalid('a type in capitals', () => reportedEvent({ type: 'MISSING.REPORTED' }), 'type'),
  invalid('a type naming an Object.prototype member', () => reportedEvent({ type: 'constructor' }), 'type'),
  invalid('type as null', () => reportedEvent({ type: null }), 'type'),
];

const timeCases: Case[] = [
  invalid('occurredAt without a zone', () => reportedEvent({ occurredAt: isoIn(-MINUTE).replace('Z', '') }), 'occurredAt'),
  invalid('occurredAt that is not a date', () => reportedEvent({ occurredAt: 'yesterday afternoon' }), 'occurredAt'),
  invalid('occurredAt as a date only', () => reportedEvent({ occurredAt: '2026-01-10' }), 'occurredAt'),
  invalid('occurredAt on 30 February', () => reportedEvent({ occurredAt: '2026-02-30T10:00:00Z' }), 'occurredAt'),
  invalid('occurredAt with a space for T', () => reportedEvent({ occurredAt: '2026-01-10 10:00:00Z' }), 'occurredAt'),
  invalid('occurredAt 10 minutes in the future', () => reportedEvent({ occurredAt: isoIn(10 * MINUTE) }), 'occurredAt'),
  invalid('lastSeen.at 10 minutes in the future', () => withField(reportedEvent(), 'lastSeen.at', isoIn(10 * MINUTE)), 'lastSeen.at'),
  invalid('lastSeen.at without a zone', () => withField(reportedEvent(), 'lastSeen.at', '2026-01-10T10:00:00'), 'lastSeen.at'),
  invalid('foundAt 10 minutes in the future', () => foundEvent(ref(), { foundAt: isoIn(10 * MINUTE) }), 'foundAt'),
];

const childCases: Case[] = [
  invalid(
    'a child who turns 18 on the day of occurredAt',
    () => {
      const occurredAt = new Date(Date.now() - MINUTE);
      return reportWithChild({ dateOfBirth: londonDateYearsBefore(occurredAt, 18) });
    },
    'child.dateOfBirth',
  ),
  invalid(
    'a child whose 18th birthday is the London date of a past occurredAt',
    () => ({ ...reportWithChild({ dateOfBirth: '2008-01-10' }), occurredAt: '2026-01-10T12:00:00Z' }),
    'child.dateOfBirth',
  ),
  invalid('an adult of 30', () => reportWithChild({ dateOfBirth: '1996-03-01' }), 'child.dateOfBirth'),
  invalid('a dateOfBirth after occurredAt', () => reportWithChild({ dateOfBirth: isoIn(3 * 24 * 60 * MINUTE).slice(0, 10) }), 'child.dateOfBirth'),
  invalid('a dateOfBirth of 30 February', () => reportWithChild({ dateOfBirth: '2013-02-30' }), 'child.dateOfBirth'),
  invalid('a dateOfBirth of 29 February in a common year', () => reportWithChild({ dateOfBirth: '2013-02-29' }), 'child.dateOfBirth'),
  invalid('a dateOfBirth as DD/MM/YYYY', () => reportWithChild({ dateOfBirth: '14/05/2013' }), 'child.dateOfBirth'),
  invalid('a dateOfBirth without leading zeros', () => reportWithChild({ dateOfBirth: '2013-5-14' }), 'child.dateOfBirth'),
  invalid('a dateOfBirth with a time', () => reportWithChild({ dateOfBirth: '2013-05-14T00:00:00Z' }), 'child.dateOfBirth'),
  invalid('a givenName of only spaces', () => reportWithChild({ givenName: '   ' }), 'child.givenName'),
  invalid('a givenName of 101 characters', () => reportWithChild({ givenName: 'A'.repeat(101) }), 'child.givenName'),
  invalid('a givenName with a BEL character', () => reportWithChild({ givenName: 'Test\u0007child' }), 'child.givenName'),
  invalid('a givenName with a newline inside', () => reportWithChild({ givenName: 'Test\nchild' }), 'child.givenName'),
  invalid('a familyName with a NUL character', () => reportWithChild({ familyName: 'Fict\u0000ional' }), 'child.familyName'),
  invalid('a familyName with a C1 control character', () => reportWithChild({ familyName: 'Fict\u0085ional' }), 'child.familyName'),
  invalid('an empty familyName', () => reportWithChild({ familyName: '' }), 'child.familyName'),
  invalid('a description of 501 characters', () => reportWithChild({ description: 'd'.repeat(501) }), 'child.description'),
  invalid('a gender outside the list', () => reportWithChild({ gender: 'F' }), 'child.gender'),
  invalid('a schoolUrn of 5 digits', () => reportWithChild({ schoolUrn: '99000' }), 'child.schoolUrn'),
  invalid('a schoolUrn of 7 digits', () => reportWithChild({ schoolUrn: '9900011' }), 'child.schoolUrn'),
  invalid('a schoolUrn of letters', () => reportWithChild({ schoolUrn: 'ABCDEF' }), 'child.schoolUrn'),
  invalid('a gpOdsCode in lower case', () => reportWithChild({ gpOdsCode: 'a81001' }), 'child.gpOdsCode'),
  invalid('a gpOdsCode of two letters and four digits', () => reportWithChild({ gpOdsCode: 'AB1001' }), 'child.gpOdsCode'),
  invalid('a gpOdsCode that is too short', () => reportWithChild({ gpOdsCode: 'A8100' }), 'child.gpOdsCode'),
  invalid('a postcodeDistrict of junk', () => reportWithChild({ postcodeDistrict: 'not a postcode' }), 'child.postcodeDistrict'),
  invalid('a full postcode as postcodeDistrict', () => reportWithChild({ postcodeDistrict: 'NE61 1AA' }), 'child.postcodeDistrict'),
];

const reportFieldCases: Case[] = [
  invalid('a risk outside the grading', () => reportedEvent({ risk: 'extreme' }), 'risk'),
  invalid('a risk in capitals', () => reportedEvent({ risk: 'HIGH' }), 'risk'),
  invalid('a missingFrom outside the list', () => reportedEvent({ missingFrom: 'school' }), 'missingFrom'),
  invalid('an empty missingFrom', () => reportedEvent({ missingFrom: '' }), 'missingFrom'),
  invalid('a lastSeen.area of 201 characters', () => withField(reportedEvent(), 'lastSeen.area', 'a'.repeat(201)), 'lastSeen.area'),
  invalid('an empty lastSeen.area', () => withField(reportedEvent(), 'lastSeen.area', ' '), 'lastSeen.area'),
  invalid('a concern outside the list', () => reportedEvent({ concerns: ['cse', 'gangs'] }), 'concerns.1'),
  invalid('a concern given twice', () => reportedEvent({ concerns: ['cse', 'cce', 'cse'] }), 'concerns'),
  invalid('concerns as a string', () => reportedEvent({ concerns: 'cse' }), 'concerns'),
  invalid('concerns as an object', () => reportedEvent({ concerns: { cse: true } }), 'concerns'),
  invalid('a huge array of concerns', () => reportedEvent({ concerns: Array.from({ length: 5000 }, () => 'cse') }), 'concerns'),
  invalid('an invalid contact.email', () => withField(reportedEvent(), 'contact.email', 'mispers at police'), 'contact.email'),
  invalid('a contact.email without a domain', () => withField(reportedEvent(), 'contact.email', 'mispers@'), 'contact.email'),
  invalid('a contact.phone of letters', () => withField(reportedEvent(), 'contact.phone', 'call the station'), 'contact.phone'),
  invalid('a contact.phone with letters among digits', () => withField(reportedEvent(), 'contact.phone', '01670 ABC123'), 'contact.phone'),
  invalid('a contact.name of 101 characters', () => withField(reportedEvent(), 'contact.name', 'n'.repeat(101)), 'contact.name'),
  invalid('a policeReference of 65 characters', () => reportedEvent({ policeReference: 'R'.repeat(65) }), 'policeReference'),
  invalid('a policeReference of only spaces', () => reportedEvent({ policeReference: '    ' }), 'policeReference'),
];

const followUpCases: Case[] = [
  invalid('an update with nothing to update', () => updatedEvent(ref(), { risk: undefined, note: undefined }), ''),
  invalid('an update with an empty child', () => updatedEvent(ref(), { child: {} }), 'child'),
  invalid('an update that makes the child an adult', () => updatedEvent(ref(), { child: { dateOfBirth: '2000-01-01' } }), 'child.dateOfBirth'),
  invalid('an update with a note of 501 characters', () => updatedEvent(ref(), { note: 'n'.repeat(501) }), 'note'),
  invalid('an update with a risk outside the grading', () => updatedEvent(ref(), { risk: 'severe' }), 'risk'),
  invalid('an update with a bad schoolUrn', () => updatedEvent(ref(), { child: { schoolUrn: '12' } }), 'child.schoolUrn'),
  invalid('a cancel with a reason of 201 characters', () => cancelledEvent(ref(), { reason: 'r'.repeat(201) }), 'reason'),
  invalid('a cancel with a control character in the reason', () => cancelledEvent(ref(), { reason: 'made in\u001berror' }), 'reason'),
  invalid('a found event with foundAt not a date', () => foundEvent(ref(), { foundAt: 'this morning' }), 'foundAt'),
];

const DEEP = 20_000;

const shapeCases: Case[] = [
  { name: 'top-level JSON null', status: 422, raw: () => 'null', paths: [''] },
  { name: 'a top-level JSON string', status: 422, raw: () => '"missing.reported"', paths: [''] },
  { name: 'a top-level JSON array of events', status: 422, raw: () => JSON.stringify([reportedEvent()]), paths: [''] },
  { name: 'a top-level JSON number', status: 422, raw: () => '42', paths: [''] },
  { name: 'top-level JSON true', status: 422, raw: () => 'true', paths: [''] },
  { name: 'an empty object', status: 422, raw: () => '{}', paths: ['type'] },
  { name: 'deeply nested arrays as the body', status: 422, raw: () => '['.repeat(DEEP) + ']'.repeat(DEEP), paths: [''] },
  {
    name: 'deeply nested junk in an unknown field',
    status: 422,
    raw: () => JSON.stringify(reportedEvent()).replace(/\}$/, `,"junk":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`),
    paths: ['junk'],
  },
  {
    name: 'deeply nested arrays as child',
    status: 422,
    raw: () => JSON.stringify(reportedEvent({ child: null })).replace('"child":null', `"child":${'['.repeat(DEEP)}${']'.repeat(DEEP)}`),
    paths: ['child'],
  },
];

const pollutionCases: Case[] = [
  {
    name: 'a top-level __proto__ key',
    status: 422,
    raw: () => rawWithLeadingMembers(reportedEvent(), '"__proto__":{"polluted":"yes","isAdmin":true}'),
    paths: ['__proto__'],
  },
  {
    name: 'a __proto__ key inside child',
    status: 422,
    raw: () => rawWithLeadingMembers(reportedEvent(), '"__proto__":{"polluted":"yes"}', 'child'),
    paths: ['child.__proto__'],
  },
  {
    name: 'a constructor.prototype key',
    status: 422,
    raw: () => rawWithLeadingMembers(reportedEvent(), '"constructor":{"prototype":{"polluted":"yes"}}'),
    paths: ['constructor'],
  },
  {
    name: 'a __proto__ key inside an update\'s child',
    status: 422,
    raw: () => rawWithLeadingMembers(updatedEvent(ref(), { child: { schoolUrn: '990001' } }), '"__proto__":{"polluted":"yes"}', 'child'),
    paths: ['child.__proto__'],
  },
  {
    name: 'a __proto__ key as the only content',
    status: 422,
    raw: () => '{"__proto__":{"polluted":"yes","type":"missing.reported"}}',
    paths: ['type'],
  },
];

const transportCases: Case[] = [
  { name: 'malformed JSON cut short', status: 400, raw: () => '{"eventId": "x",' },
  { name: 'JSON with single quotes', status: 400, raw: () => "{'eventId': 'x'}" },
  { name: 'JSON with trailing garbage', status: 400, raw: () => `${JSON.stringify(reportedEvent())} trailing` },
  { name: 'JSON with a NaN literal', status: 400, raw: () => JSON.stringify(reportedEvent()).replace('"high"', 'NaN') },
  // body-parser turns an empty body into {}; SPEC §3 treats anything that is not JSON text as malformed.
  { name: 'an empty body', status: 400, raw: () => '' },
  {
    name: 'a body over 64 KiB',
    status: 413,
    raw: () => JSON.stringify(reportWithChild({ description: 'x'.repeat(70 * 1024) })),
  },
  { name: 'a body sent as text/plain', status: 415, body: () => reportedEvent(), contentType: 'text/plain' },
  { name: 'a body sent as a form', status: 415, body: () => reportedEvent(), contentType: 'application/x-www-form-urlencoded' },
  { name: 'a body sent as application/xml', status: 415, body: () => reportedEvent(), contentType: 'application/xml' },
  { name: 'JSON with an unsupported content-encoding', status: 415, body: () => reportedEvent(), headers: { 'content-encoding': 'compress' } },
  { name: 'JSON claiming gzip encoding that is not gzip', status: 400, body: () => reportedEvent(), headers: { 'content-encoding': 'gzip' } },
  { name: 'JSON in a charset other than UTF-8', status: 415, body: () => reportedEvent(), contentType: 'application/json; charset=latin1' },
];

const corpus: Case[] = [
  ...missingFieldCases,
  ...wrongTypeCases,
  ...unknownFieldCases,
  ...idAndTypeCases,
  ...timeCases,
  ...childCases,
  ...reportFieldCases,
  ...followUpCases,
  ...shapeCases,
  ...pollutionCases,
  ...transportCases,
];

async function post(testCase: Case): Promise<Response> {
  if (testCase.headers) {
    return fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}`, ...testCase.headers },
      body: testCase.raw?.() ?? JSON.stringify(testCase.body?.()),
    });
  }
  return app.post('/api/v1/events', testCase.body?.(), {
    ...(testCase.raw ? { raw: testCase.raw() } : {}),
    ...(testCase.contentType ? { contentType: testCase.contentType } : {}),
  });
}

describe('POST /api/v1/events with an invalid body', () => {
  it('has a corpus of at least 40 invalid payloads', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus)('answers $status for $name', async (testCase) => {
    const res = await post(testCase);
    const text = await res.text();
    expect(res.status, text).toBe(testCase.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('location')).toBeNull();
    const problem = JSON.parse(text) as { type: unknown; title: unknown; status: unknown; detail: unknown; errors?: unknown };
    expect(problem).toMatchObject({
      type: expect.stringMatching(/^urn:endeavor:problem:[a-z-]+$/),
      title: expect.any(String),
      status: testCase.status,
      detail: expect.any(String),
    });
    if (testCase.status === 422) {
      expect(problem.type).toBe('urn:endeavor:problem:validation-error');
      const errors = problem.errors as { path: unknown; message: unknown }[];
      expect(Array.isArray(errors)).toBe(true);
      for (const error of errors) expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
      expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(testCase.paths ?? []));
    } else {
      expect(problem.errors).toBeUndefined();
    }
    expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('leaves Object.prototype unpolluted after the prototype-pollution attempts', async () => {
    for (const testCase of pollutionCases) expect((await post(testCase)).status, testCase.name).toBe(422);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('keeps nothing of an event rejected for a __proto__ key', async () => {
    const event = reportedEvent();
    const res = await app.post('/api/v1/events', undefined, { raw: rawWithLeadingMembers(event, '"__proto__":{"polluted":"yes"}') });
    expect(res.status).toBe(422);
    expect((await app.get(`/api/v1/events/${event.eventId}`)).status).toBe(404);
  });

  it('reports every failing field of one body, not just the first', async () => {
    const event = reportedEvent({ risk: 'extreme', missingFrom: 'school' });
    const res = await app.post('/api/v1/events', { ...event, child: { ...event.child, givenName: '' } });
    expect(res.status).toBe(422);
    const { errors } = (await res.json()) as { errors: { path: string }[] };
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['risk', 'missingFrom', 'child.givenName']));
  });
});

describe('POST /api/v1/events positive controls', () => {
  /** What the store kept of a report FEED_A posted: the parsed, normalised body. */
  const storedReport = async (eventId: string) => {
    const stored = (await app.stores.events.get(eventUid(FEED_A.feedId, eventId)))?.event;
    if (stored?.type !== 'missing.reported') throw new Error(`no stored report for ${eventId}`);
    return stored;
  };
  const accepted = async (body: unknown) => {
    const res = await app.post('/api/v1/events', body);
    expect(res.status, await res.clone().text()).toBe(202);
    return (await res.json()) as { eventId: string; episodeId: string; status: string };
  };

  it('accepts a minimal missing.reported with only the required fields', async () => {
    const full = reportedEvent();
    const { gender: _g, schoolUrn: _s, gpOdsCode: _gp, postcodeDistrict: _p, description: _d, ...child } = full.child;
    const { concerns: _c, ...event } = full;
    await accepted({ ...event, child, contact: { name: 'PC Example Officer', phone: '101' } });
  });

  it('accepts a minimal missing.updated carrying one field', async () => {
    await accepted(updatedEvent(ref(), { note: undefined, risk: 'low' }));
  });

  it('accepts a minimal missing.found', async () => {
    await accepted(foundEvent(ref()));
  });

  it('accepts a minimal missing.cancelled without a reason', async () => {
    await accepted(cancelledEvent(ref(), { reason: undefined }));
  });

  it('accepts an update whose child carries only a new school', async () => {
    await accepted(updatedEvent(ref(), { risk: undefined, note: undefined, child: { schoolUrn: '990002' } }));
  });

  it('accepts an occurredAt 4 minutes ahead of the server clock', async () => {
    await accepted(reportedEvent({ occurredAt: isoIn(4 * MINUTE) }));
  });

  it('accepts an occurredAt with a ±hh:mm offset', async () => {
    const at = new Date(Date.now() - 2 * MINUTE);
    const local = new Date(at.getTime() + 60 * MINUTE).toISOString().replace('Z', '+01:00');
    await accepted(reportedEvent({ occurredAt: local }));
  });

  it('accepts an eventId of 128 characters of every allowed kind', async () => {
    await accepted(reportedEvent({ eventId: `A.z_0:9-${uniqueId()}`.padEnd(128, 'x') }));
  });

  it('accepts a child one day short of 18 at occurredAt', async () => {
    await accepted({ ...reportWithChild({ dateOfBirth: '2008-01-11' }), occurredAt: '2026-01-10T12:00:00Z' });
  });

  it('accepts strings at their maximum lengths', async () => {
    const event = reportWithChild({ givenName: 'G'.repeat(100), familyName: 'F'.repeat(100), description: 'd'.repeat(500) });
    await accepted({
      ...event,
      policeReference: `${uniqueId('NP')}`.padEnd(64, 'r'),
      lastSeen: { ...event.lastSeen, area: 'a'.repeat(200) },
      concerns: ['cse', 'cce', 'trafficking', 'county_lines', 'self_harm', 'other'],
    });
  });

  it('trims surrounding whitespace from strings and accepts them', async () => {
    const event = reportedEvent();
    const body = {
      ...event,
      policeReference: `  ${event.policeReference}\t`,
      child: {
        ...event.child,
        givenName: '  Testchild ',
        familyName: '\tFictional\n',
        schoolUrn: ' 990001 ',
        gpOdsCode: ' Y90001',
        postcodeDistrict: 'NE61  ',
        description: ' Slim build. ',
      },
      lastSeen: { ...event.lastSeen, area: '  Morpeth town centre  ' },
      contact: { ...event.contact, name: ' PC Example Officer ', phone: ' 01670 512345 ' },
    };
    const first = await accepted(body);
    // The trimmed content is what was kept: posting it untrimmed is a replay, not a conflict.
    const replay = await app.post('/api/v1/events', {
      ...body,
      policeReference: event.policeReference,
      child: { ...event.child, description: 'Slim build.' },
      lastSeen: { ...event.lastSeen, area: 'Morpeth town centre' },
      contact: { ...event.contact, name: 'PC Example Officer', phone: '01670 512345' },
    });
    expect(replay.status).toBe(200);
    expect((await replay.json()).episodeId).toBe(first.episodeId);
  });

  it('trims surrounding whitespace from contact.email and accepts it', async () => {
    const { eventId } = await accepted(withField(reportedEvent(), 'contact.email', '  mispers@police.example.test '));
    expect((await storedReport(eventId)).contact.email).toBe('mispers@police.example.test');
  });

  it('accepts a lower-case postcodeDistrict and keeps it upper-cased', async () => {
    const { eventId } = await accepted(reportWithChild({ postcodeDistrict: 'ne61' }));
    expect((await storedReport(eventId)).child.postcodeDistrict).toBe('NE61');
  });
});
