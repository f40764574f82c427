import { describe, expect, it } from 'vitest';
import { episodeAsOf, foldEpisode, RETURN_INTERVIEW_HOURS } from '../../../src/episodes/episode';
import type {
  CancelledEvent,
  FoundEvent,
  MissingEvent,
  ReportedEvent,
  UpdatedEvent,
} from '../../../src/intake/event.schema';
import type { StoredEvent } from '../../../src/intake/event.store';

/* Fictional data only; every instant is fixed so nothing depends on the clock. */

const FEED = 'feed-fictional';
const EPISODE = 'ep_fictional_0001';
const REF = 'NP-FICT-0001';
const HOUR_MS = 3_600_000;

/** A stored event as intake keeps it; `receivedAt` defaults to the occurrence (arrival order is the test's to choose). */
function stored(event: MissingEvent, receivedAt: string = event.occurredAt): StoredEvent {
  return {
    uid: `uid-${event.eventId}`,
    feedId: FEED,
    eventId: event.eventId,
    episodeId: EPISODE,
    type: event.type,
    receivedAt,
    state: 'accepted',
    event,
  };
}

function reported(eventId: string, occurredAt: string, overrides: Partial<ReportedEvent> = {}): ReportedEvent {
  return {
    eventId,
    type: 'missing.reported',
    occurredAt,
    policeReference: REF,
    child: {
      givenName: 'Testchild',
      familyName: 'Fictional',
      dateOfBirth: '2013-05-14',
      gender: 'female',
      schoolUrn: '990001',
      gpOdsCode: 'Y90001',
      postcodeDistrict: 'NE61',
      lookedAfter: false,
      description: 'Green school coat (fictional).',
    },
    risk: 'medium',
    missingFrom: 'home',
    lastSeen: { at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' },
    concerns: ['cse'],
    contact: { name: 'PC Example Officer', phone: '101', email: 'mispers@police.example.test' },
    ...overrides,
  };
}

function updated(eventId: string, occurredAt: string, fields: Omit<Partial<UpdatedEvent>, 'type'> = {}): UpdatedEvent {
  return { eventId, type: 'missing.updated', occurredAt, policeReference: REF, ...fields };
}

function found(eventId: string, occurredAt: string, foundAt: string = occurredAt): FoundEvent {
  return { eventId, type: 'missing.found', occurredAt, policeReference: REF, foundAt };
}

function cancelled(eventId: string, occurredAt: string): CancelledEvent {
  return { eventId, type: 'missing.cancelled', occurredAt, policeReference: REF, reason: 'Made in error (fictional).' };
}

/** Every ordering of a list: arrival order must never matter. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('foldEpisode: a report alone', () => {
  const view = foldEpisode([stored(reported('rep-1', '2025-03-10T09:00:00Z'))]);

  it('is an open, reported episode identified by its feed, id and police reference', () => {
    expect(view).toMatchObject({
      episodeId: EPISODE,
      feedId: FEED,
      policeReference: REF,
      reported: true,
      state: 'open',
      risk: 'medium',
      openedAt: '2025-03-10T09:00:00Z',
      closedAt: undefined,
      foundAt: undefined,
      returnInterviewDueAt: undefined,
    });
  });

  it("takes the school, GP practice and postcode district from the report's child", () => {
    expect(view.schoolUrn).toBe('990001');
    expect(view.gpOdsCode).toBe('Y90001');
    expect(view.postcodeDistrict).toBe('NE61');
  });

  it('carries the facts the messages describe', () => {
    expect(view.facts).toEqual({
      policeReference: REF,
      risk: 'medium',
      child: reported('x', 'x').child,
      missingFrom: 'home',
      lastSeen: { at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' },
      concerns: ['cse'],
      contact: { name: 'PC Example Officer', phone: '101', email: 'mispers@police.example.test' },
    });
  });

  it('leaves codes the report does not give undefined', () => {
    const bare = reported('rep-bare', '2025-03-10T09:00:00Z', {
      child: { givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14', lookedAfter: true },
    });
    const v = foldEpisode([stored(bare)]);
    expect([v.schoolUrn, v.gpOdsCode, v.postcodeDistrict]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses to fold an episode with no events', () => {
    expect(() => foldEpisode([])).toThrow();
  });
});

describe('foldEpisode: arrival order does not matter', () => {
  const events = [
    stored(reported('rep-1', '2025-03-10T09:00:00Z', { risk: 'low' })),
    stored(updated('upd-1', '2025-03-10T10:00:00Z', { risk: 'medium', note: 'First note (fictional).' })),
    // Two updates at the same instant: the one received later is the later word.
    stored(updated('upd-2a', '2025-03-10T11:00:00Z', { risk: 'very_low' }), '2025-03-10T11:00:01.000Z'),
    stored(updated('upd-2b', '2025-03-10T11:00:00Z', { risk: 'high', note: 'Second note (fictional).' }), '2025-03-10T11:00:02.000Z'),
    stored(found('fnd-1', '2025-03-10T12:00:00Z', '2025-03-10T11:45:00Z')),
    stored(cancelled('can-1', '2025-03-10T13:00:00Z')),
  ];
  const expected = foldEpisode(events);

  it('folds the events in order of occurrence', () => {
    expect(expected).toMatchObject({
      reported: true,
      state: 'found',
      risk: 'high',
      openedAt: '2025-03-10T09:00:00Z',
      closedAt: '2025-03-10T12:00:00Z',
      foundAt: '2025-03-10T11:45:00Z',
    });
    expect(expected.facts.note).toBe('Second note (fictional).');
  });

  it('gives the same view for every one of the 720 arrival orders', () => {
    const all = permutations(events);
    expect(all).toHaveLength(720);
    for (const order of all) expect(foldEpisode(order)).toEqual(expected);
  });

  it('does not reorder the array it is given', () => {
    const reversed = [...events].reverse();
    const before = reversed.map((e) => e.uid);
    foldEpisode(reversed);
    expect(reversed.map((e) => e.uid)).toEqual(before);
  });

  it('compares instants, not strings, when events carry different zone offsets', () => {
    // 10:30+01:00 is 09:30Z: after the report at 09:00Z, although the string sorts first.
    const v = foldEpisode([
      stored(updated('upd-offset', '2025-03-10T10:30:00+01:00', { risk: 'high' })),
      stored(reported('rep-z', '2025-03-10T09:00:00Z', { risk: 'low' })),
    ]);
    expect(v.risk).toBe('high');
    const earlier = foldEpisode([
      stored(updated('upd-offset', '2025-03-10T09:30:00+01:00', { risk: 'high' })),
      stored(reported('rep-z', '2025-03-10T09:00:00Z', { risk: 'low' })),
    ]);
    expect(earlier.risk).toBe('low');
  });
});

describe('foldEpisode: ties', () => {
  it('folds two updates with the same occurredAt and receivedAt the same way in either arrival order', () => {
    const report = stored(reported('rep-tie', '2025-03-10T09:00:00Z'));
    const high = stored(updated('upd-high', '2025-03-10T10:00:00Z', { risk: 'high' }), '2025-03-10T10:00:00.000Z');
    const low = stored(updated('upd-low', '2025-03-10T10:00:00Z', { risk: 'low' }), '2025-03-10T10:00:00.000Z');
    expect(foldEpisode([report, high, low]).risk).toBe(foldEpisode([report, low, high]).risk);
  });

  it('keeps openedAt at or before closedAt when the report comes after the close', () => {
    const view = foldEpisode([stored(found('fnd-early', '2025-03-10T10:00:00Z')), stored(reported('rep-late', '2025-03-10T11:00:00Z'))]);
    expect(view.state).toBe('found');
    expect(Date.parse(view.openedAt)).toBeLessThanOrEqual(Date.parse(view.closedAt!));
  });
});

describe('foldEpisode: updates and the report', () => {
  it('lets a report override an update that happened before it', () => {
    const v = foldEpisode([
      stored(updated('upd-early', '2025-03-10T08:30:00Z', {
        risk: 'high',
        lastSeen: { at: '2025-03-10T08:10:00Z', area: 'Ashington bus station' },
        child: { schoolUrn: '990009', description: 'Early description (fictional).' },
      })),
      stored(reported('rep-1', '2025-03-10T09:00:00Z', { risk: 'low' })),
    ]);
    expect(v.risk).toBe('low');
    expect(v.facts.risk).toBe('low');
    expect(v.facts.lastSeen).toEqual({ at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' });
    expect(v.schoolUrn).toBe('990001');
    expect(v.facts.child.description).toBe('Green school coat (fictional).');
  });

  it('lets an update that happened after the report override it', () => {
    const v = foldEpisode([
      stored(updated('upd-late', '2025-03-10T10:00:00Z', {
        risk: 'high',
        lastSeen: { at: '2025-03-10T09:40:00Z', area: 'Ashington bus station' },
        concerns: ['cce', 'county_lines'],
        note: 'Seen with older youths (fictional).',
      })),
      stored(reported('rep-1', '2025-03-10T09:00:00Z', { risk: 'low' })),
    ]);
    expect(v.risk).toBe('high');
    expect(v.facts.risk).toBe('high');
    expect(v.facts.lastSeen).toEqual({ at: '2025-03-10T09:40:00Z', area: 'Ashington bus station' });
    expect(v.facts.concerns).toEqual(['cce', 'county_lines']);
    expect(v.facts.note).toBe('Seen with older youths (fictional).');
  });

  it('keeps the reported risk when an update does not mention risk', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z', { risk: 'high' })),
      stored(updated('upd-1', '2025-03-10T10:00:00Z', { note: 'No change in risk (fictional).' })),
    ]);
    expect(v.risk).toBe('high');
    expect(v.facts.risk).toBe('high');
  });

  it('merges a partial child update: a new schoolUrn keeps the name and everything else', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(updated('upd-school', '2025-03-10T10:00:00Z', { child: { schoolUrn: '990002' } })),
    ]);
    expect(v.schoolUrn).toBe('990002');
    expect(v.gpOdsCode).toBe('Y90001');
    expect(v.postcodeDistrict).toBe('NE61');
    expect(v.facts.child).toEqual({ ...reported('x', 'x').child, schoolUrn: '990002' });
  });

  it('applies successive partial child updates on top of each other', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(updated('upd-gp', '2025-03-10T10:00:00Z', { child: { gpOdsCode: 'Y90002' } })),
      stored(updated('upd-district', '2025-03-10T11:00:00Z', { child: { postcodeDistrict: 'NE46' } })),
    ]);
    expect([v.schoolUrn, v.gpOdsCode, v.postcodeDistrict]).toEqual(['990001', 'Y90002', 'NE46']);
    expect(v.facts.child.givenName).toBe('Testchild');
  });

  it('keeps the report as the opening even when an update happened earlier', () => {
    const v = foldEpisode([
      stored(updated('upd-early', '2025-03-10T08:30:00Z', { risk: 'high' })),
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
    ]);
    expect(v.openedAt).toBe('2025-03-10T09:00:00Z');
  });
});

describe('foldEpisode: closing', () => {
  it('closes on found with closedAt, foundAt and the return interview due exactly 72 hours after foundAt', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(found('fnd-1', '2025-03-11T10:00:00Z', '2025-03-11T09:15:00Z')),
    ]);
    expect(v.state).toBe('found');
    expect(v.closedAt).toBe('2025-03-11T10:00:00Z');
    expect(v.foundAt).toBe('2025-03-11T09:15:00Z');
    expect(v.returnInterviewDueAt).toBe('2025-03-14T09:15:00.000Z');
    expect(Date.parse(v.returnInterviewDueAt!) - Date.parse(v.foundAt!)).toBe(72 * HOUR_MS);
    expect(RETURN_INTERVIEW_HOURS).toBe(72);
  });

  it('counts the 72 hours from a foundAt given with a zone offset', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-06-10T09:00:00Z')),
      stored(found('fnd-1', '2025-06-11T16:00:00+01:00', '2025-06-11T15:30:00+01:00')),
    ]);
    expect(v.returnInterviewDueAt).toBe('2025-06-14T14:30:00.000Z');
  });

  it('counts 72 elapsed hours across the spring clock change, not three calendar days of wall time', () => {
    // UK clocks go forward at 01:00Z on Sunday 30 March 2025.
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-28T09:00:00Z')),
      stored(found('fnd-1', '2025-03-28T12:00:00Z')),
    ]);
    expect(v.returnInterviewDueAt).toBe('2025-03-31T12:00:00.000Z');
  });

  it('closes on cancelled with closedAt and no foundAt or return interview', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(cancelled('can-1', '2025-03-10T09:30:00Z')),
    ]);
    expect(v.state).toBe('cancelled');
    expect(v.closedAt).toBe('2025-03-10T09:30:00Z');
    expect(v.foundAt).toBeUndefined();
    expect(v.returnInterviewDueAt).toBeUndefined();
  });

  it('lets the first close win: found then cancelled stays found', () => {
    const events = [
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(found('fnd-1', '2025-03-10T12:00:00Z')),
      stored(cancelled('can-1', '2025-03-10T13:00:00Z')),
    ];
    for (const order of permutations(events)) {
      const v = foldEpisode(order);
      expect(v.state).toBe('found');
      expect(v.closedAt).toBe('2025-03-10T12:00:00Z');
    }
  });

  it('lets the first close win: cancelled then found stays cancelled with no foundAt', () => {
    const v = foldEpisode([
      stored(found('fnd-1', '2025-03-10T13:00:00Z')),
      stored(cancelled('can-1', '2025-03-10T12:00:00Z')),
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
    ]);
    expect(v.state).toBe('cancelled');
    expect(v.closedAt).toBe('2025-03-10T12:00:00Z');
    expect(v.foundAt).toBeUndefined();
    expect(v.returnInterviewDueAt).toBeUndefined();
  });

  it('keeps the first found: a second found does not move foundAt or the return interview', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(found('fnd-1', '2025-03-10T12:00:00Z', '2025-03-10T11:00:00Z')),
      stored(found('fnd-2', '2025-03-12T12:00:00Z', '2025-03-12T11:00:00Z')),
    ]);
    expect(v.foundAt).toBe('2025-03-10T11:00:00Z');
    expect(v.returnInterviewDueAt).toBe('2025-03-13T11:00:00.000Z');
  });

  it('does not reopen for a report that happened after the episode was found', () => {
    const v = foldEpisode([
      stored(found('fnd-1', '2025-03-10T10:00:00Z')),
      stored(reported('rep-late', '2025-03-10T11:00:00Z', { risk: 'high' })),
    ]);
    expect(v.state).toBe('found');
    expect(v.closedAt).toBe('2025-03-10T10:00:00Z');
    expect(v.foundAt).toBe('2025-03-10T10:00:00Z');
    expect(v.reported).toBe(true);
  });

  it('stays closed when an update happens after the close', () => {
    const v = foldEpisode([
      stored(reported('rep-1', '2025-03-10T09:00:00Z')),
      stored(cancelled('can-1', '2025-03-10T10:00:00Z')),
      stored(updated('upd-late', '2025-03-10T11:00:00Z', { risk: 'high' })),
    ]);
    expect(v.state).toBe('cancelled');
    expect(v.closedAt).toBe('2025-03-10T10:00:00Z');
  });
});

describe('foldEpisode: follow-ups before the report', () => {
  it('is not reported when only an update has arrived, opened at that update', () => {
    const v = foldEpisode([stored(updated('upd-1', '2025-03-10T10:00:00Z', { risk: 'high', child: { schoolUrn: '990001' } }))]);
    expect(v.reported).toBe(false);
    expect(v.state).toBe('open');
    expect(v.openedAt).toBe('2025-03-10T10:00:00Z');
    expect(v.risk).toBe('high');
    expect(v.schoolUrn).toBe('990001');
    expect(v.policeReference).toBe(REF);
  });

  it('is not reported, yet found, when only found and an update have arrived', () => {
    const v = foldEpisode([
      stored(found('fnd-1', '2025-03-10T12:00:00Z')),
      stored(updated('upd-1', '2025-03-10T10:00:00Z')),
    ]);
    expect(v.reported).toBe(false);
    expect(v.state).toBe('found');
    expect(v.risk).toBeUndefined();
  });

  it('has no risk until an event states one', () => {
    const v = foldEpisode([stored(cancelled('can-1', '2025-03-10T12:00:00Z'))]);
    expect(v.reported).toBe(false);
    expect(v.risk).toBeUndefined();
    expect(v.state).toBe('cancelled');
  });
});

describe('episodeAsOf', () => {
  const report = stored(reported('rep-1', '2025-03-10T09:00:00Z', { risk: 'low' }));
  const update = stored(updated('upd-1', '2025-03-10T10:00:00Z', { risk: 'high', note: 'Sighting (fictional).' }));
  const closing = stored(found('fnd-1', '2025-03-10T11:00:00Z'));
  const events = [closing, update, report];

  it('describes the report as it stood when reported, whatever came later', () => {
    const v = episodeAsOf(events, report.uid);
    expect(v.state).toBe('open');
    expect(v.risk).toBe('low');
    expect(v.facts.note).toBeUndefined();
  });

  it('includes the event itself and what happened before it, not what happened after', () => {
    const v = episodeAsOf(events, update.uid);
    expect(v.state).toBe('open');
    expect(v.risk).toBe('high');
    expect(v.facts.note).toBe('Sighting (fictional).');
    expect(v.closedAt).toBeUndefined();
  });

  it('at the closing event is the whole episode', () => {
    expect(episodeAsOf(events, closing.uid)).toEqual(foldEpisode(events));
  });

  it('does not depend on arrival order', () => {
    for (const order of permutations(events)) {
      expect(episodeAsOf(order, update.uid)).toEqual(episodeAsOf(events, update.uid));
    }
  });

  it('excludes a later event even when it arrived first', () => {
    const early = stored(updated('upd-early', '2025-03-10T09:30:00Z', { risk: 'medium' }), '2025-03-10T12:00:00Z');
    const late = stored(updated('upd-late', '2025-03-10T10:30:00Z', { risk: 'very_low' }), '2025-03-10T10:31:00Z');
    expect(episodeAsOf([late, report, early], early.uid).risk).toBe('medium');
  });

  it('falls back to the whole episode for an event it does not hold', () => {
    expect(episodeAsOf(events, 'uid-unknown')).toEqual(foldEpisode(events));
  });
});
