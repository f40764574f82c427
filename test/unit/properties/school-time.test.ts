import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANK_HOLIDAYS_ENGLAND_WALES } from '../../../config/bank-holidays';
import { parseSchoolHours } from '../../../config/school-hours';
import { addSchoolTime, isSchoolTime } from '../../../src/domain/school-time';

/*
 * Properties of school-time arithmetic (SPEC §7) over 2024–2028, weighted towards the weeks
 * around the UK clock changes. The checks read the London wall clock with Intl on their own,
 * not through the code under test.
 */
const LONDON = parseSchoolHours('Mon-Fri 08:00-17:00 Europe/London');
/** The same school day on a clock that never changes: the reference for counting on the wall clock. */
const SAME_ON_UTC = parseSchoolHours('Mon-Fri 08:00-17:00 UTC');
const holidays = BANK_HOLIDAYS_ENGLAND_WALES;

/** 01:00 UTC on the last Sundays of March and October, 2024–2028. */
const CLOCK_CHANGES = ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31', '2028-03-26', '2028-10-29'].map(
  (d) => Date.parse(`${d}T01:00:00Z`),
);
const DAY = 86_400_000;
const HOUR_S = 3600;

const anyInstant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2028-12-01T00:00:00Z') });
const nearAClockChange = fc.tuple(fc.constantFrom(...CLOCK_CHANGES), fc.integer({ min: -10 * DAY, max: 10 * DAY })).map(([change, offset]) => change + offset);
const start = fc.oneof(anyInstant, nearAClockChange).map((t) => new Date(t));
/** Up to two school weeks, in whole seconds. */
const seconds = fc.integer({ min: 0, max: 2 * 5 * 9 * HOUR_S });

const london = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
});

/** The London wall-clock reading of an instant, as the same digits in UTC (epoch ms), plus its weekday and date. */
function wallClock(at: Date): { wall: number; weekday: string; date: string; minute: number } {
  const f = Object.fromEntries(london.formatToParts(at).map((p) => [p.type, p.value]));
  const date = `${f.year}-${f.month}-${f.day}`;
  const minute = Number(f.hour) * 60 + Number(f.minute) + Number(f.second) / 60;
  return { wall: Date.parse(`${date}T${f.hour}:${f.minute}:${f.second}Z`) + (at.getTime() % 1000), weekday: f.weekday!, date, minute };
}

describe('addSchoolTime (properties)', () => {
  it('never lands outside school hours: on a London weekday that is not a bank holiday, after 08:00 and at or before 17:00', () => {
    fc.assert(
      fc.property(start, fc.integer({ min: 1, max: 2 * 5 * 9 * HOUR_S }), (from, s) => {
        const at = addSchoolTime(from, s, LONDON, holidays);
        const local = wallClock(at);
        expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(local.weekday);
        expect(holidays).not.toContain(local.date);
        expect(local.minute).toBeGreaterThan(8 * 60);
        expect(local.minute).toBeLessThanOrEqual(17 * 60);
        // The instant just before is school time: the deadline is reached while school runs.
        expect(isSchoolTime(new Date(at.getTime() - 1), LONDON, holidays)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotonic in the amount of school time and in the start', () => {
    fc.assert(
      fc.property(start, seconds, seconds, fc.integer({ min: 0, max: 5 * DAY }), (from, a, b, shift) => {
        const [less, more] = a <= b ? [a, b] : [b, a];
        expect(addSchoolTime(from, less, LONDON, holidays).getTime()).toBeLessThanOrEqual(addSchoolTime(from, more, LONDON, holidays).getTime());
        const laterStart = new Date(from.getTime() + shift);
        expect(addSchoolTime(from, a, LONDON, holidays).getTime()).toBeLessThanOrEqual(addSchoolTime(laterStart, a, LONDON, holidays).getTime());
      }),
      { numRuns: 200 },
    );
  });

  it('adds up: a deadline counted in two parts lands where it does counted at once', () => {
    fc.assert(
      fc.property(start, seconds, seconds, (from, a, b) => {
        const inTwo = addSchoolTime(addSchoolTime(from, a, LONDON, holidays), b, LONDON, holidays);
        expect(inTwo.toISOString()).toBe(addSchoolTime(from, a + b, LONDON, holidays).toISOString());
      }),
      { numRuns: 200 },
    );
  });

  it('counts on the London wall clock: across the March and October clock changes it agrees with the same school day on a clock that never changes', () => {
    fc.assert(
      fc.property(start, seconds, (from, s) => {
        const inLondon = addSchoolTime(from, s, LONDON, holidays);
        const onWallClock = addSchoolTime(new Date(wallClock(from).wall), s, SAME_ON_UTC, holidays);
        // Zero school time returns the start itself, whatever hour it is; otherwise a school hour is an hour on the wall.
        if (s === 0) expect(inLondon.getTime()).toBe(from.getTime());
        else expect(new Date(wallClock(inLondon).wall).toISOString()).toBe(onWallClock.toISOString());
      }),
      { numRuns: 300 },
    );
  });

  it('crosses a clock-change weekend as school hours, not as elapsed hours (examples)', () => {
    // Friday 28 March 2025 15:00 GMT + 4 school hours: 2 on Friday, 2 on Monday 31 March (BST) → 10:00 BST.
    expect(addSchoolTime(new Date('2025-03-28T15:00:00Z'), 4 * HOUR_S, LONDON, holidays).toISOString()).toBe('2025-03-31T09:00:00.000Z');
    // Friday 24 October 2025 15:00 BST + 4 school hours → Monday 27 October 10:00 GMT.
    expect(addSchoolTime(new Date('2025-10-24T14:00:00Z'), 4 * HOUR_S, LONDON, holidays).toISOString()).toBe('2025-10-27T10:00:00.000Z');
  });
});
