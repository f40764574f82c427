/**
 * England and Wales bank holidays, 2025–2028, as local calendar dates (YYYY-MM-DD).
 *
 * Source: the statutory pattern published on gov.uk/bank-holidays — New Year's Day, Good
 * Friday, Easter Monday, first and last Monday of May, last Monday of August, Christmas and
 * Boxing Day, with the weekday substitutes for those falling at a weekend. Easter computed by
 * the Gregorian computus (20 Apr 2025, 5 Apr 2026, 28 Mar 2027, 16 Apr 2028).
 * Extend this list before 2029: a missing year means school time runs on its bank holidays.
 */
export const BANK_HOLIDAYS_ENGLAND_WALES: readonly string[] = Object.freeze([
  // 2025
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05',
  '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  // 2026: Boxing Day is a Saturday, substitute Monday 28 December
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04',
  '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  // 2027: Christmas falls on the weekend, substitutes Monday 27 and Tuesday 28 December
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03',
  '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  // 2028: New Year's Day is a Saturday, substitute Monday 3 January
  '2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01',
  '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26',
]);
