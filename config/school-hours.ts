/** ISO weekday: Monday = 1 … Sunday = 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * The school day that acknowledgement deadlines and reminders are counted in.
 * `weekly`: every day from `firstDay` to `lastDay` (no wrap-around), from `startMinute` to
 * `endMinute` after local midnight in `timeZone` (end exclusive; 1440 = midnight).
 */
export type SchoolHours =
  | { kind: 'always' }
  | {
      kind: 'weekly';
      firstDay: Weekday;
      lastDay: Weekday;
      startMinute: number;
      endMinute: number;
      timeZone: string;
    };

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

const WEEKLY = /^([A-Za-z]{3})-([A-Za-z]{3}) (\d{2}):(\d{2})-(\d{2}):(\d{2}) (\S+)$/;

const EXAMPLE = 'expected "always" or like "Mon-Fri 08:00-17:00 Europe/London"';

/**
 * Parses the SCHOOL_HOURS setting (SPEC §2): `always`, or `Ddd-Ddd HH:MM-HH:MM Area/City`.
 * Throws an Error naming what is wrong, so a bad value stops start-up.
 */
export function parseSchoolHours(spec: string): SchoolHours {
  const text = spec.trim();
  if (text === 'always') return { kind: 'always' };

  const match = WEEKLY.exec(text);
  if (!match) throw new Error(`invalid school hours "${spec}": ${EXAMPLE}`);
  const [, first, last, startH, startM, endH, endM, timeZone] = match as unknown as [
    string, string, string, string, string, string, string, string,
  ];

  const firstDay = weekday(first, spec);
  const lastDay = weekday(last, spec);
  if (firstDay > lastDay) {
    throw new Error(`invalid school hours "${spec}": ${first}-${last} runs backwards (the week starts on Mon)`);
  }

  const startMinute = minuteOfDay(startH, startM, spec, false);
  const endMinute = minuteOfDay(endH, endM, spec, true);
  if (startMinute >= endMinute) {
    throw new Error(`invalid school hours "${spec}": the day must open before it closes`);
  }

  return { kind: 'weekly', firstDay, lastDay, startMinute, endMinute, timeZone: checkedTimeZone(timeZone, spec) };
}

function weekday(name: string, spec: string): Weekday {
  const index = DAY_NAMES.findIndex((day) => day.toLowerCase() === name.toLowerCase());
  if (index < 0) throw new Error(`invalid school hours "${spec}": unknown day "${name}" (use ${DAY_NAMES.join(', ')})`);
  return (index + 1) as Weekday;
}

function minuteOfDay(hours: string, minutes: string, spec: string, isEnd: boolean): number {
  const h = Number(hours);
  const m = Number(minutes);
  const total = h * 60 + m;
  // 24:00 is allowed only as a closing time, meaning midnight at the end of the day.
  if (m > 59 || h > 24 || total > 1440 || (total === 1440 && !isEnd)) {
    throw new Error(`invalid school hours "${spec}": ${hours}:${minutes} is not a time of day`);
  }
  return total;
}

function checkedTimeZone(timeZone: string, spec: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    throw new Error(`invalid school hours "${spec}": unknown time zone "${timeZone}" (use an IANA name such as Europe/London)`);
  }
  return timeZone;
}
