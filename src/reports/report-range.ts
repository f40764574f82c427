import { londonDate } from '../domain/london-time';

/** Date ranges of the reports: calendar days in UK local time, both ends inclusive. Pure. */

export type DateRange = { from: string; to: string };

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** UK local time minus UTC at an instant, in ms (0 in winter, an hour in summer). */
function londonOffsetMs(ms: number): number {
  const p = Object.fromEntries(PARTS.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return local - Math.floor(ms / 60_000) * 60_000;
}

/** The instant a UK calendar day starts. Clocks change at 01:00 UTC, never at midnight, so one correction suffices. */
export function londonDayStartMs(date: string): number {
  const utc = Date.parse(`${date}T00:00:00Z`);
  return utc - londonOffsetMs(utc);
}

export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** [start, end) instants of a range of whole UK days. */
export function rangeBounds(range: DateRange): { fromMs: number; toMs: number } {
  return { fromMs: londonDayStartMs(range.from), toMs: londonDayStartMs(addDays(range.to, 1)) };
}

/** The last full calendar month before `now`: the reports page's default. */
export function lastFullMonth(now: Date): DateRange {
  const today = londonDate(now);
  const firstOfThisMonth = `${today.slice(0, 7)}-01`;
  const to = addDays(firstOfThisMonth, -1);
  return { from: `${to.slice(0, 7)}-01`, to };
}

/** Every month (YYYY-MM) that a range touches, in order. */
export function monthsOf(range: DateRange): string[] {
  const months: string[] = [];
  let [y, m] = range.from.slice(0, 7).split('-').map(Number) as [number, number];
  const last = range.to.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    months.push(month);
    if (month >= last) return months;
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

/** The Monday of the week a calendar day falls in. */
const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));

/** The Monday (UK calendar) of the week an instant falls in. */
export const weekStarting = (iso: string): string => mondayOf(londonDate(new Date(iso)));

/** The Monday of every week a range touches, in order: the empty weeks too. */
export function weeksOf(range: DateRange): string[] {
  const weeks: string[] = [];
  for (let week = mondayOf(range.from); week <= range.to; week = addDays(week, 7)) weeks.push(week);
  return weeks;
}
