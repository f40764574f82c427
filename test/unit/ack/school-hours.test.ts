import { describe, expect, it } from 'vitest';
import { parseSchoolHours } from '../../../config/school-hours';

describe('parseSchoolHours', () => {
  it('reads the default Mon-Fri 08:00-17:00 Europe/London as minutes after local midnight', () => {
    expect(parseSchoolHours('Mon-Fri 08:00-17:00 Europe/London')).toEqual({
      kind: 'weekly',
      firstDay: 1,
      lastDay: 5,
      startMinute: 480,
      endMinute: 1020,
      timeZone: 'Europe/London',
    });
  });

  it('reads "always" as a clock that never stops', () => {
    expect(parseSchoolHours('always')).toEqual({ kind: 'always' });
  });

  it.each([
    ['Mon-Sat 08:30-12:15 Europe/London', { firstDay: 1, lastDay: 6, startMinute: 510, endMinute: 735 }],
    ['Sun-Sun 00:00-24:00 UTC', { firstDay: 7, lastDay: 7, startMinute: 0, endMinute: 1440 }],
    ['tue-thu 09:00-15:00 America/New_York', { firstDay: 2, lastDay: 4, startMinute: 540, endMinute: 900 }],
  ])('accepts other day ranges and zones: %s', (spec, expected) => {
    expect(parseSchoolHours(spec)).toMatchObject({ kind: 'weekly', ...expected });
  });

  it.each([
    ['Mon-Fri 08:00-17:00 Europe/Londres', /unknown time zone "Europe\/Londres"/],
    ['Mon-Fri 08:00-17:00 Mars/Olympus', /unknown time zone/],
    ['Mon-Fri 17:00-08:00 Europe/London', /open before it closes/],
    ['Mon-Fri 08:00-08:00 Europe/London', /open before it closes/],
    ['Fri-Mon 08:00-17:00 Europe/London', /runs backwards/],
    ['Mon-Fry 08:00-17:00 Europe/London', /unknown day "Fry"/],
    ['Mon-Fri 25:00-26:00 Europe/London', /25:00 is not a time of day/],
    ['Mon-Fri 08:60-17:00 Europe/London', /08:60 is not a time of day/],
    ['Mon-Fri 24:00-24:00 Europe/London', /24:00 is not a time of day/],
    ['Mon-Fri 08:00-17:00', /expected "always" or like/],
    ['weekdays', /expected "always" or like/],
    ['', /expected "always" or like/],
  ])('rejects %j with an error saying what is wrong', (spec, message) => {
    expect(() => parseSchoolHours(spec)).toThrow(message);
  });
});
