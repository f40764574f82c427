import type { SchoolHours } from '../../config/school-hours';
import type { Risk } from './risk';

/*
 * Acknowledgement deadlines and reminder times, counted in school hours (SPEC §7).
 * Pure: every instant is an argument, nothing reads the clock.
 *
 * The walk goes day by day in the school's local calendar and converts each school day's
 * opening and closing to UTC on its own, so a day after a clock change is still 08:00–17:00
 * local. Non-school days cost no time-zone lookups, so a long deadline stays cheap.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** A valid weekly schedule opens within a week plus any run of holidays; this only stops a holiday list that covers everything. */
const MAX_DAYS_WALKED = 366 * 20;

type Weekly = Extract<SchoolHours, { kind: 'weekly' }>;
type Window = { open: number; close: number };

/**
 * The instant at which `seconds` of school time have elapsed after `start`. Time outside the
 * school day, on days outside the weekly range and on `holidays` (local YYYY-MM-DD dates) does
 * not count; from outside school hours counting begins at the next opening. A deadline that
 * uses up a day exactly lands on that day's closing, not the next opening. Zero returns `start`.
 */
export function addSchoolTime(start: Date, seconds: number, hours: SchoolHours, holidays: readonly string[]): Date {
  const from = instant(start);
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`school time must be a finite number of seconds >= 0, got ${seconds}`);
  let remaining = Math.round(seconds * 1000);
  if (hours.kind === 'always' || remaining === 0) return new Date(from + remaining);

  for (const window of windowsFrom(from, hours, holidays)) {
    const counted = Math.max(window.open, from);
    if (counted >= window.close) continue;
    const available = window.close - counted;
    if (remaining <= available) return new Date(counted + remaining);
    remaining -= available;
  }
  throw new Error('school hours never open'); // unreachable: windowsFrom throws first
}

/** Whether school time is running at `at`: a school day, not a holiday, opening inclusive, closing exclusive. */
export function isSchoolTime(at: Date, hours: SchoolHours, holidays: readonly string[]): boolean {
  const t = instant(at);
  if (hours.kind === 'always') return true;
  const window = schoolWindow(localDayNumber(t, hours.timeZone), hours, new Set(holidays));
  return window !== undefined && window.open <= t && t < window.close;
}

/** The first instant at or after `at` when school time runs: `at` itself during school hours, otherwise the next opening. */
export function nextSchoolOpening(at: Date, hours: SchoolHours, holidays: readonly string[]): Date {
  const t = instant(at);
  if (hours.kind === 'always') return new Date(t);
  for (const window of windowsFrom(t, hours, holidays)) {
    if (t < window.close) return new Date(Math.max(window.open, t));
  }
  throw new Error('school hours never open'); // unreachable: windowsFrom throws first
}

/**
 * When an unacknowledged direct delivery is escalated: `deadlineSeconds` of school time after
 * `sentAt`. High-risk alerts escalate at half the deadline.
 */
export function ackDeadline(
  sentAt: Date,
  deadlineSeconds: number,
  risk: Risk,
  hours: SchoolHours,
  holidays: readonly string[],
): Date {
  const seconds = risk === 'high' ? deadlineSeconds / 2 : deadlineSeconds;
  return addSchoolTime(sentAt, seconds, hours, holidays);
}

/** When the next "still missing" reminder is due, `intervalHours` of school time after `lastAt`; undefined when reminders are off (0). */
export function nextReminderAt(
  lastAt: Date,
  intervalHours: number,
  hours: SchoolHours,
  holidays: readonly string[],
): Date | undefined {
  if (intervalHours === 0) return undefined;
  return addSchoolTime(lastAt, intervalHours * 3600, hours, holidays);
}

function instant(at: Date): number {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('invalid date');
  return t;
}

/** School-day windows in order, starting with the local day that contains `from`. */
function* windowsFrom(from: number, hours: Weekly, holidays: readonly string[]): Generator<Window> {
  if (hours.firstDay > hours.lastDay || hours.startMinute >= hours.endMinute) {
    throw new Error('school hours never open: build them with parseSchoolHours');
  }
  const holidaySet = new Set(holidays);
  const firstDay = localDayNumber(from, hours.timeZone);
  for (let day = firstDay; day < firstDay + MAX_DAYS_WALKED; day++) {
    const window = schoolWindow(day, hours, holidaySet);
    if (window) yield window;
  }
  throw new Error(`school hours never open within ${MAX_DAYS_WALKED} days`);
}

/** Opening and closing of a school day as UTC epoch ms; undefined when `day` is not a school day. */
function schoolWindow(day: number, hours: Weekly, holidays: ReadonlySet<string>): Window | undefined {
  const weekday = ((new Date(day * DAY_MS).getUTCDay() + 6) % 7) + 1;
  if (weekday < hours.firstDay || weekday > hours.lastDay) return undefined;
  if (holidays.has(new Date(day * DAY_MS).toISOString().slice(0, 10))) return undefined;
  return {
    open: localToUtc(day, hours.startMinute, hours.timeZone),
    close: localToUtc(day, hours.endMinute, hours.timeZone),
  };
}

/*
 * Time-zone arithmetic on Intl alone. A "day number" is a local calendar date counted as days
 * since 1970-01-01, which makes weekdays and date strings plain UTC arithmetic.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock reading of an instant, as if it were UTC, in epoch ms (whole seconds). */
function wallClock(t: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
}

/** UTC offset of `timeZone` at instant `t`, in ms (positive east of Greenwich). */
function offsetAt(t: number, timeZone: string): number {
  const wholeSecond = t - (((t % 1000) + 1000) % 1000);
  return wallClock(t, timeZone) - wholeSecond;
}

function localDayNumber(t: number, timeZone: string): number {
  return Math.floor((t + offsetAt(t, timeZone)) / DAY_MS);
}

/**
 * The UTC instant of a local wall-clock time. Tries the offsets in force a day before, at and a
 * day after, keeping those that read back as the same wall clock. Of two (the repeated hour in
 * autumn) the earlier wins; with none (the skipped hour in spring) the time is pushed forward
 * by the gap, as clocks are.
 */
function localToUtc(day: number, minute: number, timeZone: string): number {
  const wall = day * DAY_MS + minute * MINUTE_MS;
  const before = offsetAt(wall - DAY_MS, timeZone);
  const candidates = [before, offsetAt(wall, timeZone), offsetAt(wall + DAY_MS, timeZone)]
    .map((offset) => wall - offset)
    .filter((t) => t + offsetAt(t, timeZone) === wall);
  return candidates.length > 0 ? Math.min(...candidates) : wall - before;
}
