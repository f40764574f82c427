import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './env';

/**
 * England and Wales bank holidays, read once at start-up from config/bank-holidays.json, a copy
 * of GOV.UK's https://www.gov.uk/bank-holidays.json (README: "Bank holidays" says how to
 * refresh it). School time (SPEC §7) skips these dates; a year missing from the file means its
 * bank holidays count as school days, so start-up warns when the current year has none.
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((v) => {
    const day = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(v);
  }, 'a real calendar date');

const division = z.object({
  division: z.string(),
  events: z.array(z.object({ title: z.string(), date: isoDate, notes: z.string(), bunting: z.boolean() })),
});

/** GOV.UK's shape: one entry per division; only england-and-wales is required and used. */
export const bankHolidaysFileSchema = z.object({ 'england-and-wales': division }).catchall(division);

/** The england-and-wales dates of a GOV.UK bank-holidays document, sorted, each once. */
export function parseBankHolidays(document: unknown, source = 'bank holidays'): readonly string[] {
  const parsed = bankHolidaysFileSchema.safeParse(document);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${source}: ${where}`);
  }
  const dates = new Set(parsed.data['england-and-wales'].events.map((e) => e.date));
  return Object.freeze([...dates].sort());
}

export const BANK_HOLIDAYS_FILE = new URL('./bank-holidays.json', import.meta.url);

/** Reads and checks the data file; a missing or malformed file stops start-up. */
export function loadBankHolidays(file: URL | string = BANK_HOLIDAYS_FILE): readonly string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${String(file)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ConfigError(`invalid ${String(file)}: not JSON`);
  }
  return parseBankHolidays(document, String(file));
}

/** England and Wales bank holidays as local calendar dates (YYYY-MM-DD), from the data file. */
export const BANK_HOLIDAYS_ENGLAND_WALES: readonly string[] = loadBankHolidays();

/**
 * The year to warn about at start-up: `now`'s year when the list holds none of its dates,
 * else undefined. The UTC year is London's: the year turns in winter, when London is on GMT.
 */
export function yearWithoutBankHolidays(holidays: readonly string[], now: Date): number | undefined {
  const year = now.getUTCFullYear();
  return holidays.some((date) => date.startsWith(`${year}-`)) ? undefined : year;
}
