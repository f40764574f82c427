import { describe, expect, it } from 'vitest';
import { MAX_CLOCK_SKEW_MS, parseEvent, type ParseResult } from '../../../src/intake/parse-event';

// A fixed server clock: every rule that needs "now" takes it as an argument.
const NOW = new Date('2026-07-15T12:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const MINUTE = 60_000;

function report(overrides: Record<string, unknown> = {}, child: Record<string, unknown> = {}) {
  return {
    eventId: 'rep-1',
    type: 'missing.reported',
    occurredAt: '2026-07-15T11:00:00Z',
    policeReference: 'NP-2026-0001',
    child: { givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14', lookedAfter: false, ...child },
    risk: 'high',
    missingFrom: 'home',
    lastSeen: { at: '2026-07-15T10:00:00Z', area: 'Morpeth town centre' },
    contact: { name: 'PC Example Officer', phone: '101' },
    ...overrides,
  };
}

const update = (overrides: Record<string, unknown> = {}) => ({
  eventId: 'upd-1',
  type: 'missing.updated',
  occurredAt: '2026-07-15T11:00:00Z',
  policeReference: 'NP-2026-0001',
  ...overrides,
});

const found = (overrides: Record<string, unknown> = {}) => ({
  eventId: 'fnd-1',
  type: 'missing.found',
  occurredAt: '2026-07-15T11:00:00Z',
  policeReference: 'NP-2026-0001',
  foundAt: '2026-07-15T10:30:00Z',
  ...overrides,
});

const errorsOf = (result: ParseResult) => {
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.errors;
};

const OUT_OF_RANGE_TYPE = 'must be one of missing.reported, missing.updated, missing.found, missing.cancelled';
const AHEAD = 'must not be more than 5 minutes ahead of the server clock';
const UNDER_18 = 'the child must be under 18 at occurredAt';

describe('parseEvent error paths and messages', () => {
  it.each([
    ['a body that is null', null, [{ path: '', message: 'the body must be a JSON object' }]],
    ['a body that is an array', [report()], [{ path: '', message: 'the body must be a JSON object' }]],
    ['a body that is a string', 'missing.reported', [{ path: '', message: 'the body must be a JSON object' }]],
    ['an empty object', {}, [{ path: 'type', message: OUT_OF_RANGE_TYPE }]],
    ['an unknown type', report({ type: 'missing.deleted' }), [{ path: 'type', message: OUT_OF_RANGE_TYPE }]],
    ['a dateOfBirth as DD/MM/YYYY', report({}, { dateOfBirth: '14/05/2013' }), [{ path: 'child.dateOfBirth', message: 'must be a date YYYY-MM-DD' }]],
    ['a dateOfBirth of 30 February', report({}, { dateOfBirth: '2013-02-30' }), [{ path: 'child.dateOfBirth', message: 'must be a date YYYY-MM-DD' }]],
    ['an unknown top-level field', report({ priority: 'urgent' }), [{ path: 'priority', message: 'is not a known field' }]],
    ['an unknown nested field', report({}, { unknownField: 1 }), [{ path: 'child.unknownField', message: 'is not a known field' }]],
    ['a givenName of spaces', report({}, { givenName: '   ' }), [{ path: 'child.givenName', message: 'must not be empty' }]],
    ['a givenName of 101 characters', report({}, { givenName: 'a'.repeat(101) }), [{ path: 'child.givenName', message: 'must be at most 100 characters' }]],
    ['a givenName with a BEL', report({}, { givenName: 'Test\u0007child' }), [{ path: 'child.givenName', message: 'must not contain control characters, bidirectional controls or invisible characters' }]],
    [
      'an occurredAt without a zone',
      report({ occurredAt: '2026-07-15T11:00:00' }),
      [{ path: 'occurredAt', message: 'must be an ISO 8601 date-time with a zone (Z or ±hh:mm)' }],
    ],
    ['a repeated concern', report({ concerns: ['cse', 'cse'] }), [{ path: 'concerns', message: 'must not repeat a concern' }]],
    ['a schoolUrn of 5 digits', report({}, { schoolUrn: '99000' }), [{ path: 'child.schoolUrn', message: 'must be 6 digits' }]],
    [
      'an update with nothing to update',
      update(),
      [{ path: '', message: 'an update must carry at least one of risk, lastSeen, concerns, child, note' }],
    ],
    ['an update with an empty child', update({ child: {} }), [{ path: 'child', message: 'must change at least one field' }]],
    ['a found event without foundAt', found({ foundAt: undefined }), [{ path: 'foundAt', message: expect.any(String) }]],
  ])('rejects %s with exactly its error', (_name, body, expected) => {
    expect(errorsOf(parseEvent(body, NOW))).toEqual(expected);
  });

  it('reports every failing field of one body', () => {
    const errors = errorsOf(parseEvent(report({ risk: 'extreme', missingFrom: 'school' }, { givenName: '' }), NOW));
    expect(errors.map((e) => e.path).sort()).toEqual(['child.givenName', 'missingFrom', 'risk']);
  });

  it('names each unknown key, however many there are', () => {
    const errors = errorsOf(parseEvent(report({ a: 1, b: 2 }), NOW));
    expect(errors).toEqual([
      { path: 'a', message: 'is not a known field' },
      { path: 'b', message: 'is not a known field' },
    ]);
  });

  it('treats an own __proto__ key as unknown without polluting Object.prototype', () => {
    const body = JSON.parse(JSON.stringify(report()).replace(/^\{/, '{"__proto__":{"polluted":"yes"},')) as unknown;
    expect(errorsOf(parseEvent(body, NOW))).toEqual([{ path: '__proto__', message: 'is not a known field' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never echoes the rejected value in a message', () => {
    const errors = errorsOf(parseEvent(report({}, { givenName: 'Secretname\u0007', dateOfBirth: 'Secretdob' }), NOW));
    expect(JSON.stringify(errors)).not.toMatch(/Secret/);
  });
});

describe('parseEvent trimming', () => {
  it('trims surrounding whitespace from strings and upper-cases the postcode district', () => {
    const result = parseEvent(
      report(
        { policeReference: '  NP-2026-0001\t', lastSeen: { at: '2026-07-15T10:00:00Z', area: ' Morpeth ' }, contact: { name: ' PC Example ', phone: ' 101 ' } },
        { givenName: '  Testchild ', familyName: '\tFictional\n', schoolUrn: ' 990001 ', gpOdsCode: ' Y90001 ', postcodeDistrict: ' ne61 ', description: ' Slim. ' },
      ),
      NOW,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      policeReference: 'NP-2026-0001',
      child: { givenName: 'Testchild', familyName: 'Fictional', schoolUrn: '990001', gpOdsCode: 'Y90001', postcodeDistrict: 'NE61', description: 'Slim.' },
      lastSeen: { area: 'Morpeth' },
      contact: { name: 'PC Example', phone: '101' },
    });
  });

  it('trims before checking for control characters, so a trailing newline is not rejected', () => {
    expect(parseEvent(report({}, { givenName: 'Testchild\n' }), NOW).ok).toBe(true);
  });

  it('leaves the posted body unchanged', () => {
    const body = report({}, { givenName: '  Testchild ' });
    const before = structuredClone(body);
    parseEvent(body, NOW);
    expect(body).toEqual(before);
  });
});

describe('parseEvent clock skew', () => {
  it('allows 5 minutes of skew', () => {
    expect(MAX_CLOCK_SKEW_MS).toBe(5 * MINUTE);
  });

  it.each([
    ['occurredAt', (t: string) => report({ occurredAt: t, lastSeen: { at: '2026-07-15T10:00:00Z', area: 'Morpeth' } })],
    ['lastSeen.at', (t: string) => report({ lastSeen: { at: t, area: 'Morpeth' } })],
    ['foundAt', (t: string) => found({ foundAt: t })],
  ])('accepts %s exactly 5 minutes ahead and rejects it 1 ms later', (path, build) => {
    expect(parseEvent(build(at(5 * MINUTE)), NOW).ok).toBe(true);
    expect(errorsOf(parseEvent(build(at(5 * MINUTE + 1)), NOW))).toEqual([{ path, message: AHEAD }]);
  });

  it('compares instants, not text: the same boundary written with a +01:00 offset', () => {
    expect(parseEvent(report({ occurredAt: '2026-07-15T13:05:00+01:00' }), NOW).ok).toBe(true);
    expect(errorsOf(parseEvent(report({ occurredAt: '2026-07-15T13:05:00.001+01:00' }), NOW))).toEqual([{ path: 'occurredAt', message: AHEAD }]);
  });

  it.each([
    ['occurredAt', (t: string) => report({ occurredAt: t, lastSeen: { at: '2026-07-15T10:00:00Z', area: 'Morpeth' } })],
    ['lastSeen.at', (t: string) => report({ lastSeen: { at: t, area: 'Morpeth' } })],
    ['foundAt', (t: string) => found({ foundAt: t })],
  ])('rejects %s before 2000 (a feed’s empty date) and a zone offset beyond ±14:00', (path, build) => {
    // (An occurredAt before the child's birth also says so for child.dateOfBirth.)
    expect(errorsOf(parseEvent(build('0001-01-01T00:00:00Z'), NOW))).toContainEqual({ path, message: 'must not be before 2000-01-01' });
    expect(errorsOf(parseEvent(build('1999-12-31T23:59:59Z'), NOW))).toContainEqual({ path, message: 'must not be before 2000-01-01' });
    expect(errorsOf(parseEvent(build('2026-07-15T20:00:00+15:00'), NOW))).toEqual([{ path, message: 'must have a zone offset between -12:00 and +14:00' }]);
    expect(parseEvent(build('2026-07-16T02:00:00+14:00'), NOW).ok).toBe(true);
    expect(parseEvent(build('2026-07-14T12:00:00-12:00'), NOW).ok).toBe(true);
  });

  it('reads no clock of its own: an event far from the real date passes against its own now', () => {
    const future = new Date('2031-03-01T09:00:00Z');
    expect(parseEvent(report({ occurredAt: '2031-03-01T08:59:00Z', lastSeen: { at: '2031-03-01T08:00:00Z', area: 'Morpeth' } }), future).ok).toBe(true);
    expect(parseEvent(report({ occurredAt: '2031-03-01T08:59:00Z' }), NOW).ok).toBe(false);
  });
});

describe('parseEvent under-18 rule, on the London date of occurredAt', () => {
  const reportOn = (occurredAt: string, dateOfBirth: string) =>
    parseEvent(report({ occurredAt, lastSeen: { at: '2026-01-01T00:00:00Z', area: 'Morpeth' } }, { dateOfBirth }), NOW);

  it('rejects a child on their 18th birthday', () => {
    expect(errorsOf(reportOn('2026-01-10T12:00:00Z', '2008-01-10'))).toEqual([{ path: 'child.dateOfBirth', message: UNDER_18 }]);
  });

  it('accepts a child on the day before their 18th birthday', () => {
    expect(reportOn('2026-01-10T12:00:00Z', '2008-01-11').ok).toBe(true);
  });

  it('rejects at 23:30Z the day before the birthday in summer, when it is already the birthday in London (BST)', () => {
    expect(errorsOf(reportOn('2026-06-30T23:30:00Z', '2008-07-01'))).toEqual([{ path: 'child.dateOfBirth', message: UNDER_18 }]);
  });

  it('accepts at 22:30Z the day before the birthday in summer, still the day before in London', () => {
    expect(reportOn('2026-06-30T22:30:00Z', '2008-07-01').ok).toBe(true);
  });

  it('accepts at 23:30Z the day before the birthday in winter (GMT), still the day before in London', () => {
    expect(reportOn('2026-01-09T23:30:00Z', '2008-01-10').ok).toBe(true);
  });

  it('uses the London date whatever offset occurredAt is written in', () => {
    // 00:30+01:00 and 19:30-04:00 are both 00:30 on 1 July in London; 18:30-04:00 is 23:30 on 30 June.
    expect(reportOn('2026-07-01T00:30:00+01:00', '2008-07-01').ok).toBe(false);
    expect(reportOn('2026-06-30T19:30:00-04:00', '2008-07-01').ok).toBe(false);
    expect(reportOn('2026-06-30T18:30:00-04:00', '2008-07-01').ok).toBe(true);
  });

  it('treats a 29 February birthday as reached on 1 March in a common year', () => {
    expect(reportOn('2026-02-28T12:00:00Z', '2008-02-29').ok).toBe(true);
    expect(reportOn('2026-03-01T12:00:00Z', '2008-02-29').ok).toBe(false);
  });

  it('accepts a child born on the day of occurredAt and rejects one born after it', () => {
    expect(reportOn('2026-07-15T10:00:00Z', '2026-07-15').ok).toBe(true);
    expect(errorsOf(reportOn('2026-07-15T10:00:00Z', '2026-07-16'))).toEqual([
      { path: 'child.dateOfBirth', message: 'must not be after occurredAt' },
    ]);
  });

  it('applies the rule to a dateOfBirth changed by an update', () => {
    const errors = errorsOf(parseEvent(update({ occurredAt: '2026-01-10T12:00:00Z', child: { dateOfBirth: '2008-01-10' } }), NOW));
    expect(errors).toEqual([{ path: 'child.dateOfBirth', message: UNDER_18 }]);
    expect(parseEvent(update({ occurredAt: '2026-01-10T12:00:00Z', child: { dateOfBirth: '2008-01-11' } }), NOW).ok).toBe(true);
  });
});
