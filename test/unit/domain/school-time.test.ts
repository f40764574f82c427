import { describe, expect, it } from 'vitest';
import { BANK_HOLIDAYS_ENGLAND_WALES } from '../../../config/bank-holidays';
import {
  ackDeadline,
  addSchoolTime,
  isSchoolTime,
  nextReminderAt,
  nextSchoolOpening,
} from '../../../src/domain/school-time';
import { parseSchoolHours } from '../../../config/school-hours';

const school = parseSchoolHours('Mon-Fri 08:00-17:00 Europe/London');
const holidays = BANK_HOLIDAYS_ENGLAND_WALES;
const HOUR = 3600;

const after = (start: string, seconds: number) =>
  addSchoolTime(new Date(start), seconds, school, holidays).toISOString();

describe('addSchoolTime in Mon-Fri 08:00-17:00 Europe/London', () => {
  // Instants are UTC: London is UTC+0 in winter (GMT) and UTC+1 in summer (BST).
  it.each([
    ['completes the same day when sent mid-morning in winter', '2026-01-13T10:00:00Z', HOUR, '2026-01-13T11:00:00.000Z'],
    ['completes the same day when sent mid-morning in summer', '2026-06-16T09:00:00Z', HOUR, '2026-06-16T10:00:00.000Z'],
    ['spills past 17:00 into the next morning', '2026-01-13T16:30:00Z', HOUR, '2026-01-14T08:30:00.000Z'],
    ['carries Friday afternoon over the weekend to Monday', '2026-01-16T16:00:00Z', 2 * HOUR, '2026-01-19T09:00:00.000Z'],
    ['counts from the next opening when sent in the evening', '2026-01-13T19:00:00Z', HOUR, '2026-01-14T09:00:00.000Z'],
    ['counts from the same morning\'s opening when sent at night', '2026-01-14T03:00:00Z', HOUR, '2026-01-14T09:00:00.000Z'],
    ['counts from Monday\'s opening when sent on Saturday', '2026-01-17T12:00:00Z', HOUR, '2026-01-19T09:00:00.000Z'],
    ['counts from Monday\'s opening when sent late on Sunday', '2026-01-18T23:59:00Z', HOUR, '2026-01-19T09:00:00.000Z'],
    ['counts from the opening itself when sent at exactly 08:00', '2026-01-13T08:00:00Z', HOUR, '2026-01-13T09:00:00.000Z'],
    ['counts from the next opening when sent at exactly 17:00', '2026-01-13T17:00:00Z', 60, '2026-01-14T08:01:00.000Z'],
    ['ends exactly at closing, not the next morning, when the time runs out at 17:00', '2026-01-13T16:00:00Z', HOUR, '2026-01-13T17:00:00.000Z'],
    ['skips the early May bank holiday Monday', '2026-05-01T15:30:00Z', HOUR, '2026-05-05T07:30:00.000Z'],
    ['skips Christmas Day and the substitute Boxing Day on Monday 28 December 2026', '2026-12-24T16:00:00Z', 2 * HOUR, '2026-12-29T09:00:00.000Z'],
    ['skips Good Friday and Easter Monday 2027', '2027-03-25T16:00:00Z', 2 * HOUR, '2027-03-30T08:00:00.000Z'],
    ['opens at 08:00 BST after the spring clock change (Fri 27 Mar 16:30 GMT + 1h)', '2026-03-27T16:30:00Z', HOUR, '2026-03-30T07:30:00.000Z'],
    ['opens at 08:00 GMT after the autumn clock change (Fri 23 Oct 16:30 BST + 1h)', '2026-10-23T15:30:00Z', HOUR, '2026-10-26T08:30:00.000Z'],
    ['spans nine-hour days for a multi-day interval (24 school hours from Tue 10:00 to Thu 16:00)', '2026-01-13T10:00:00Z', 24 * HOUR, '2026-01-15T16:00:00.000Z'],
    ['walks a 14-day deadline to the 38th school day', '2026-01-05T08:00:00Z', 14 * 24 * HOUR, '2026-02-25T11:00:00.000Z'],
  ])('%s', (_behaviour, start, seconds, expected) => {
    expect(after(start, seconds)).toBe(expected);
  });

  it('returns the start itself for zero seconds, inside or outside school hours', () => {
    expect(after('2026-01-13T10:00:00Z', 0)).toBe('2026-01-13T10:00:00.000Z');
    expect(after('2026-01-17T12:00:00Z', 0)).toBe('2026-01-17T12:00:00.000Z');
  });

  it('does not skip a date missing from the holiday list', () => {
    expect(addSchoolTime(new Date('2026-05-01T15:30:00Z'), HOUR, school, []).toISOString()).toBe(
      '2026-05-04T07:30:00.000Z',
    );
  });

  it('adds plain elapsed time when school hours are "always", weekends and holidays included', () => {
    const always = parseSchoolHours('always');
    expect(addSchoolTime(new Date('2026-12-24T23:30:00Z'), HOUR, always, holidays).toISOString()).toBe(
      '2026-12-25T00:30:00.000Z',
    );
  });

  it('rejects a negative or non-finite duration and an invalid start', () => {
    expect(() => after('2026-01-13T10:00:00Z', -1)).toThrow(RangeError);
    expect(() => after('2026-01-13T10:00:00Z', Number.NaN)).toThrow(RangeError);
    expect(() => addSchoolTime(new Date('nonsense'), HOUR, school, holidays)).toThrow(RangeError);
  });

  it('stops a malformed schedule that never opens instead of looping forever', () => {
    const never = { kind: 'weekly', firstDay: 1, lastDay: 5, startMinute: 600, endMinute: 600, timeZone: 'Europe/London' } as const;
    expect(() => addSchoolTime(new Date('2026-01-13T10:00:00Z'), HOUR, never, [])).toThrow(/never open/);
  });
});

describe('school days that meet a clock change', () => {
  const nightShift = parseSchoolHours('Mon-Sun 01:30-03:00 Europe/London');

  it('opens at 02:30 BST when the 01:30 opening falls in the skipped spring hour', () => {
    expect(nextSchoolOpening(new Date('2026-03-29T00:30:00Z'), nightShift, []).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // Only 30 minutes that night, so the rest runs into Monday's 01:30 BST (00:30Z).
    expect(addSchoolTime(new Date('2026-03-29T00:00:00Z'), HOUR, nightShift, []).toISOString()).toBe(
      '2026-03-30T01:00:00.000Z',
    );
  });

  it('opens at the first 01:30 when the autumn hour repeats, making a 2.5-hour night', () => {
    expect(isSchoolTime(new Date('2026-10-25T00:30:00Z'), nightShift, [])).toBe(true);
    expect(addSchoolTime(new Date('2026-10-25T00:00:00Z'), 2.5 * HOUR, nightShift, []).toISOString()).toBe(
      '2026-10-25T03:00:00.000Z',
    );
  });
});

describe('isSchoolTime', () => {
  it.each([
    ['at the winter opening 08:00 GMT', '2026-01-13T08:00:00Z', true],
    ['one second before the winter closing', '2026-01-13T16:59:59Z', true],
    ['at the closing 17:00', '2026-01-13T17:00:00Z', false],
    ['at 07:30Z in summer, which is 08:30 BST', '2026-06-16T07:30:00Z', true],
    ['at 07:30Z in winter, which is 07:30 GMT', '2026-01-13T07:30:00Z', false],
    ['on a Saturday afternoon', '2026-01-17T12:00:00Z', false],
    ['on the spring bank holiday', '2026-05-25T10:00:00Z', false],
  ])('%s: %s', (_when, at, expected) => {
    expect(isSchoolTime(new Date(at), school, holidays)).toBe(expected);
  });

  it('is always true for "always"', () => {
    expect(isSchoolTime(new Date('2026-12-25T03:00:00Z'), parseSchoolHours('always'), holidays)).toBe(true);
  });
});

describe('nextSchoolOpening', () => {
  it.each([
    ['returns the instant itself during school hours', '2026-01-13T10:15:00Z', '2026-01-13T10:15:00.000Z'],
    ['returns the same morning\'s opening before 08:00', '2026-01-13T06:00:00Z', '2026-01-13T08:00:00.000Z'],
    ['returns Monday 08:00 BST from the Saturday before the spring change', '2026-03-28T12:00:00Z', '2026-03-30T07:00:00.000Z'],
    ['returns Tuesday after Easter Monday from Good Friday', '2026-04-03T09:00:00Z', '2026-04-07T07:00:00.000Z'],
  ])('%s', (_behaviour, at, expected) => {
    expect(nextSchoolOpening(new Date(at), school, holidays).toISOString()).toBe(expected);
  });
});

describe('ackDeadline', () => {
  const sentAt = new Date('2026-01-13T10:00:00Z');

  it.each([
    ['very_low', '2026-01-13T11:00:00.000Z'],
    ['low', '2026-01-13T11:00:00.000Z'],
    ['medium', '2026-01-13T11:00:00.000Z'],
    ['high', '2026-01-13T10:30:00.000Z'],
  ] as const)('gives a %s-risk alert its deadline in school time', (risk, expected) => {
    expect(ackDeadline(sentAt, HOUR, risk, school, holidays).toISOString()).toBe(expected);
  });

  it('escalates a high-risk alert at half the deadline, still in school time', () => {
    // 2h / 2 = 1h: 30 minutes on Friday, 30 on Monday.
    expect(ackDeadline(new Date('2026-01-16T16:30:00Z'), 2 * HOUR, 'high', school, holidays).toISOString()).toBe(
      '2026-01-19T08:30:00.000Z',
    );
  });
});

describe('nextReminderAt', () => {
  it('is undefined when reminders are turned off with an interval of 0', () => {
    expect(nextReminderAt(new Date('2026-01-13T10:00:00Z'), 0, school, holidays)).toBeUndefined();
  });

  it('counts the default 24-hour interval in school hours: Mon 08:00 + 24h is Wed 14:00', () => {
    expect(nextReminderAt(new Date('2026-01-12T08:00:00Z'), 24, school, holidays)?.toISOString()).toBe(
      '2026-01-14T14:00:00.000Z',
    );
  });

  it('counts the interval in plain hours when school hours are "always"', () => {
    expect(nextReminderAt(new Date('2026-01-17T12:00:00Z'), 24, parseSchoolHours('always'), holidays)?.toISOString()).toBe(
      '2026-01-18T12:00:00.000Z',
    );
  });
});
