import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { episodeAsOf, foldEpisode, latestEvent } from '../../../src/episodes/episode';
import type { MissingEvent } from '../../../src/intake/event.schema';
import type { StoredEvent } from '../../../src/intake/event.store';

/*
 * The episode fold (SPEC §4): the same events give the same episode whatever order they
 * arrive in. Events share occurrence times often (ties are where an order could leak in) and
 * carry every kind: report, updates with any subset of fields, found and cancelled.
 */
const REF = 'NP-FICT-PROP';
const BASE = Date.parse('2026-03-28T10:00:00Z'); // a clock-change weekend, for good measure
const HOUR = 3_600_000;

const instant = fc.integer({ min: 0, max: 6 }).map((h) => new Date(BASE + h * HOUR).toISOString());
const risk = fc.constantFrom('very_low' as const, 'low' as const, 'medium' as const, 'high' as const);

const reportBody = fc.record({
  risk,
  postcodeDistrict: fc.constantFrom('NE61', 'NE66', 'NE46'),
  schoolUrn: fc.constantFrom('990001', '990002'),
  description: fc.constantFrom('Green coat (fictional).', 'Red scarf (fictional).'),
  concerns: fc.option(fc.subarray(['cse' as const, 'cce' as const, 'self_harm' as const], { minLength: 1 }), { nil: undefined }),
});

const updateBody = fc.record(
  {
    risk,
    note: fc.constantFrom('Seen near the station (fictional).', 'Phone switched on (fictional).'),
    lastSeen: instant.map((at) => ({ at, area: 'Blyth harbour (fictional)' })),
    child: fc.record({ description: fc.constantFrom('Blue hoodie (fictional).', 'Black trainers (fictional).') }),
    concerns: fc.subarray(['cce' as const, 'county_lines' as const], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

type Draft = { occurredAt: string; receivedAt: string; make: (eventId: string, occurredAt: string) => MissingEvent };

const draft = fc.oneof(
  fc.record({ occurredAt: instant, receivedAt: instant, body: reportBody }).map(
    ({ occurredAt, receivedAt, body }): Draft => ({
      occurredAt,
      receivedAt,
      make: (eventId, at) => ({
        eventId,
        type: 'missing.reported',
        occurredAt: at,
        policeReference: REF,
        child: {
          givenName: 'Testchild',
          familyName: 'Fictional',
          dateOfBirth: '2013-05-14',
          lookedAfter: false,
          schoolUrn: body.schoolUrn,
          postcodeDistrict: body.postcodeDistrict,
          description: body.description,
        },
        risk: body.risk,
        missingFrom: 'home',
        lastSeen: { at: new Date(BASE - HOUR).toISOString(), area: 'Morpeth town centre' },
        ...(body.concerns ? { concerns: body.concerns } : {}),
        contact: { name: 'PC Example Officer', phone: '101' },
      }),
    }),
  ),
  fc.record({ occurredAt: instant, receivedAt: instant, body: updateBody }).map(
    ({ occurredAt, receivedAt, body }): Draft => ({
      occurredAt,
      receivedAt,
      make: (eventId, at) => ({ eventId, type: 'missing.updated', occurredAt: at, policeReference: REF, ...body }),
    }),
  ),
  fc.record({ occurredAt: instant, receivedAt: instant, found: fc.boolean() }).map(
    ({ occurredAt, receivedAt, found }): Draft => ({
      occurredAt,
      receivedAt,
      make: (eventId, at) =>
        found
          ? { eventId, type: 'missing.found', occurredAt: at, policeReference: REF, foundAt: at }
          : { eventId, type: 'missing.cancelled', occurredAt: at, policeReference: REF, reason: 'Made in error (fictional).' },
    }),
  ),
);

/** One episode's events as intake stores them, each with its own id. */
const episodeEvents = fc.array(draft, { minLength: 1, maxLength: 7 }).map((drafts) =>
  drafts.map(({ occurredAt, receivedAt, make }, i): StoredEvent => {
    const event = make(`ev-${i}`, occurredAt);
    return { uid: `uid-${i}`, feedId: 'feed-fictional', eventId: event.eventId, episodeId: 'ep_prop', type: event.type, receivedAt, state: 'accepted', event };
  }),
);

/** The events and the same events in another arrival order. */
const twoArrivals = episodeEvents.chain((events) =>
  fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })),
);

describe('the episode fold (properties)', () => {
  it('gives the same episode for any arrival order of the same events', () => {
    fc.assert(
      fc.property(twoArrivals, ([events, reordered]) => {
        expect(foldEpisode(reordered)).toEqual(foldEpisode(events));
        expect(latestEvent(reordered)?.uid).toBe(latestEvent(events)?.uid);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same picture as of each event, whatever the arrival order', () => {
    fc.assert(
      fc.property(twoArrivals, ([events, reordered]) => {
        for (const { uid } of events) expect(episodeAsOf(reordered, uid)).toEqual(episodeAsOf(events, uid));
      }),
      { numRuns: 200 },
    );
  });

  it('never reopens: once a found or cancelled event is among them the episode is closed, at the first of them', () => {
    fc.assert(
      fc.property(episodeEvents, (events) => {
        const closers = events.filter((e) => e.type === 'missing.found' || e.type === 'missing.cancelled');
        const view = foldEpisode(events);
        if (closers.length === 0) {
          expect(view.state).toBe('open');
          return;
        }
        expect(view.state).not.toBe('open');
        const firstCloser = closers.map((e) => Date.parse(e.event.occurredAt)).reduce((a, b) => Math.min(a, b));
        expect(Date.parse(view.closedAt!)).toBe(firstCloser);
      }),
      { numRuns: 300 },
    );
  });
});
