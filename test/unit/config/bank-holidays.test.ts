import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BANK_HOLIDAYS_ENGLAND_WALES, loadBankHolidays, parseBankHolidays, yearWithoutBankHolidays } from '../../../config/bank-holidays';
import { ConfigError } from '../../../config/env';

const event = (date: string, title = 'Fictional bank holiday') => ({ title, date, notes: '', bunting: true });
const govUk = (englandAndWales: unknown[], others: Record<string, unknown> = {}) => ({
  'england-and-wales': { division: 'england-and-wales', events: englandAndWales },
  ...others,
});

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bank-holidays-')), 'bank-holidays.json');
  writeFileSync(path, text);
  return path;
}

describe('config/bank-holidays.json', () => {
  it('holds eight weekday dates a year for 2024 to 2028', () => {
    for (const year of ['2024', '2025', '2026', '2027', '2028']) {
      expect(BANK_HOLIDAYS_ENGLAND_WALES.filter((date) => date.startsWith(year)), year).toHaveLength(8);
    }
    for (const date of BANK_HOLIDAYS_ENGLAND_WALES) {
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      expect(weekday, date).not.toBe(0);
      expect(weekday, date).not.toBe(6);
    }
  });

  it('has the substitute days of the weekend Christmases and New Years', () => {
    expect(BANK_HOLIDAYS_ENGLAND_WALES).toEqual(expect.arrayContaining(['2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03']));
    expect(BANK_HOLIDAYS_ENGLAND_WALES).not.toContain('2027-12-25');
  });
});

describe('parseBankHolidays', () => {
  it('takes the england-and-wales dates of a GOV.UK document, sorted and each once, ignoring other divisions', () => {
    const doc = govUk([event('2030-12-25'), event('2030-01-01'), event('2030-12-25')], {
      scotland: { division: 'scotland', events: [event('2030-01-02', '2nd January')] },
      'northern-ireland': { division: 'northern-ireland', events: [event('2030-03-18', 'St Patrick’s Day')] },
    });
    expect(parseBankHolidays(doc)).toEqual(['2030-01-01', '2030-12-25']);
  });

  it.each([
    ['no england-and-wales division', { scotland: { division: 'scotland', events: [] } }, /england-and-wales/],
    ['a date that is not YYYY-MM-DD', govUk([event('25/12/2030')]), /england-and-wales\.events\.0\.date/],
    ['a date that is not on the calendar', govUk([event('2030-02-30')]), /real calendar date/],
    ['an event without its title', govUk([{ date: '2030-01-01', notes: '', bunting: true }]), /title/],
    ['a list instead of a document', [event('2030-01-01')], /invalid/],
  ])('refuses %s, naming where', (_, doc, message) => {
    expect(() => parseBankHolidays(doc)).toThrow(ConfigError);
    expect(() => parseBankHolidays(doc)).toThrow(message);
  });
});

describe('loadBankHolidays', () => {
  it('reads a refreshed file', () => {
    expect(loadBankHolidays(tempFile(JSON.stringify(govUk([event('2031-01-01')]))))).toEqual(['2031-01-01']);
  });

  it('stops start-up on a missing file or one that is not JSON', () => {
    expect(() => loadBankHolidays(join(tmpdir(), 'no-such-dir-endeavor', 'bank-holidays.json'))).toThrow(/cannot read .*ENOENT/);
    expect(() => loadBankHolidays(tempFile('<html>Service unavailable</html>'))).toThrow(/not JSON/);
  });
});

describe('yearWithoutBankHolidays', () => {
  const holidays = ['2027-12-27', '2028-01-03'];

  it('is quiet when the current year has dates', () => {
    expect(yearWithoutBankHolidays(holidays, new Date('2028-06-01T12:00:00Z'))).toBeUndefined();
    expect(yearWithoutBankHolidays(holidays, new Date('2027-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('names the current year when it has none', () => {
    expect(yearWithoutBankHolidays(holidays, new Date('2029-01-01T00:00:00Z'))).toBe(2029);
    expect(yearWithoutBankHolidays([], new Date('2026-11-30T14:00:00Z'))).toBe(2026);
  });

  it('turns the year at London midnight on New Year’s Eve (GMT, so UTC)', () => {
    expect(yearWithoutBankHolidays(['2029-01-01'], new Date('2028-12-31T23:59:59Z'))).toBe(2028);
    expect(yearWithoutBankHolidays(['2029-01-01'], new Date('2029-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('has no warning for the committed file in any year it covers', () => {
    for (const year of [2024, 2025, 2026, 2027, 2028]) {
      expect(yearWithoutBankHolidays(BANK_HOLIDAYS_ENGLAND_WALES, new Date(`${year}-07-01T12:00:00Z`))).toBeUndefined();
    }
  });
});
