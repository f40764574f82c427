import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, episodeIdOf, eventUid } from '../../../src/intake/ids';
import { parseEvent } from '../../../src/intake/parse-event';

/*
 * Idempotent replay (SPEC §3): intake stores an event under eventUid(feed, eventId) with the
 * content hash of what parseEvent kept, and a second post of the same event is a replay, not a
 * conflict, exactly when the hashes match. So the pure part must hold: the same event, however
 * it is serialised (key order, surrounding whitespace, case of the postcode district), parses to
 * the same content, the same hash and the same ids; and parsing what was kept changes nothing.
 */
const NOW = new Date('2026-07-15T12:00:00.000Z');
const FEED = 'feed-fictional';

const body = fc.record({
  eventId: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  policeReference: fc.stringMatching(/^NP-[0-9]{4}-[0-9]{1,6}$/),
  risk: fc.constantFrom('very_low', 'low', 'medium', 'high'),
  missingFrom: fc.constantFrom('home', 'care', 'other'),
  givenName: fc.constantFrom('Testchild', 'Zoë', 'Ōtaki', 'Anne-Marie'),
  postcodeDistrict: fc.constantFrom('NE61', 'NE66', 'NE46', 'DH1'),
  lookedAfter: fc.boolean(),
  concerns: fc.option(fc.subarray(['cse', 'cce', 'self_harm'], { minLength: 1 }), { nil: undefined }),
  email: fc.option(fc.constant('mispers@police.example.test'), { nil: undefined }),
});

type Body = typeof body extends fc.Arbitrary<infer T> ? T : never;

function reportOf(b: Body) {
  return {
    eventId: b.eventId,
    type: 'missing.reported',
    occurredAt: '2026-07-15T11:00:00Z',
    policeReference: b.policeReference,
    child: { givenName: b.givenName, familyName: 'Fictional', dateOfBirth: '2013-05-14', lookedAfter: b.lookedAfter, postcodeDistrict: b.postcodeDistrict },
    risk: b.risk,
    missingFrom: b.missingFrom,
    lastSeen: { at: '2026-07-15T10:00:00Z', area: 'Morpeth town centre' },
    ...(b.concerns ? { concerns: b.concerns } : {}),
    contact: { name: 'PC Example Officer', phone: '101', ...(b.email ? { email: b.email } : {}) },
  };
}

/** The same JSON with every object's keys in another order (`order` picks them). */
function reordered(value: unknown, order: number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => reordered(v, order));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const keyed = entries.map((entry, i) => ({ entry, key: order[i % Math.max(order.length, 1)] ?? i }));
  keyed.sort((a, b) => a.key - b.key);
  return Object.fromEntries(keyed.map(({ entry: [k, v] }) => [k, reordered(v, order)]));
}

/** What a careless feed sends for the same event: padded strings and a lower-case district. */
function sloppy(report: ReturnType<typeof reportOf>, pad: string) {
  return {
    ...report,
    policeReference: `${pad}${report.policeReference}${pad}`,
    child: { ...report.child, givenName: `${pad}${report.child.givenName}`, postcodeDistrict: report.child.postcodeDistrict.toLowerCase() },
    lastSeen: { ...report.lastSeen, area: `${report.lastSeen.area}${pad}` },
  };
}

const parsed = (value: unknown) => {
  const result = parseEvent(JSON.parse(JSON.stringify(value)), NOW);
  if (!result.ok) throw new Error(`not accepted: ${JSON.stringify(result.errors)}`);
  return result.event;
};

describe('idempotent replay (properties)', () => {
  it('gives the same stored content, hash and ids for the same event however it is serialised', () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.constantFrom(' ', '\t', '  ', ' \n'), (b, order, pad) => {
        const first = parsed(reportOf(b));
        const again = parsed(reordered(sloppy(reportOf(b), pad), order));
        expect(canonicalJson(again)).toBe(canonicalJson(first));
        expect(contentHash(again)).toBe(contentHash(first));
        expect(eventUid(FEED, again.eventId)).toBe(eventUid(FEED, first.eventId));
        expect(episodeIdOf(FEED, again.policeReference)).toBe(episodeIdOf(FEED, first.policeReference));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps what it kept: parsing the stored event again changes nothing', () => {
    fc.assert(
      fc.property(body, (b) => {
        const kept = parsed(reportOf(b));
        expect(parsed(kept)).toEqual(kept);
        expect(contentHash(parsed(kept))).toBe(contentHash(kept));
      }),
      { numRuns: 300 },
    );
  });

  it('tells different content apart: another risk is another hash (a conflict, not a replay)', () => {
    fc.assert(
      fc.property(body, fc.constantFrom('very_low', 'low', 'medium', 'high'), (b, risk) => {
        fc.pre(risk !== b.risk);
        expect(contentHash(parsed(reportOf({ ...b, risk })))).not.toBe(contentHash(parsed(reportOf(b))));
      }),
      { numRuns: 200 },
    );
  });
});
