import type { ContactRole } from '../directory/organisation';
import { ageInYears, londonDate } from '../domain/london-time';
import type { Risk } from '../domain/risk';
import type { ChildDetails } from '../intake/event.schema';
import type { ChildConcern, EpisodeFacts } from './message-types';

/* How messages write values: dates in UK time, ages, and the labels of the contract's codes. */

const LONDON_DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** An instant in UK local time, e.g. `Tuesday 1 July 2025 at 13:05 BST`. */
export function formatLondonDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  // One formatToParts per call, read by type.
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of LONDON_DATE_TIME.formatToParts(at)) parts[p.type] ??= p.value;
  const part = (type: Intl.DateTimeFormatPartTypes) => parts[type] ?? '';
  // Builds without full ICU name the summer zone "GMT+1".
  const zone = part('timeZoneName') === 'GMT+1' ? 'BST' : part('timeZoneName');
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')} at ${part('hour')}:${part('minute')} ${zone}`;
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** `2012-02-14` → `14 February 2012`; a calendar date, so no time zone is involved. */
export function formatDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${Number(match[3])} ${month} ${match[1]}` : date;
}

export const RISK_LABEL: Record<Risk, string> = { very_low: 'Very low', low: 'Low', medium: 'Medium', high: 'High' };
export const GENDER_LABEL: Record<NonNullable<ChildDetails['gender']>, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Not known',
};
export const MISSING_FROM_LABEL: Record<NonNullable<EpisodeFacts['missingFrom']>, string> = {
  home: 'Home',
  care: 'Care placement',
  other: 'Other',
};
const CONCERN_LABEL: Record<ChildConcern, string> = {
  cse: 'Child sexual exploitation (CSE)',
  cce: 'Child criminal exploitation (CCE)',
  trafficking: 'Trafficking',
  county_lines: 'County lines',
  self_harm: 'Self-harm',
  other: 'Other concerns (ask the police)',
};
export const ROLE_LABEL: Record<ContactRole, string> = {
  dsl: 'designated safeguarding lead',
  deputy: 'deputy designated safeguarding lead',
  safeguarding_lead: 'safeguarding lead',
  practice_manager: 'practice manager',
};

export const NOT_KNOWN = 'Not yet known';

export function childName(child: Partial<ChildDetails>): string | undefined {
  const name = [child.givenName, child.familyName].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

export function ageOn(dateOfBirth: string | undefined, occurredAt: string): string {
  const at = new Date(occurredAt);
  if (!dateOfBirth || Number.isNaN(at.getTime())) return NOT_KNOWN;
  return `${ageInYears(dateOfBirth, londonDate(at))}`;
}

export const concernsText = (concerns: ChildConcern[] | undefined) =>
  concerns === undefined ? NOT_KNOWN : concerns.length === 0 ? 'None recorded' : concerns.map((c) => CONCERN_LABEL[c]).join('; ');

/** A date of birth as the direct alert writes it: `14 May 2013 (age 13)`, the age at `at`. For screens that show the child too. */
export const dateOfBirthText = (dateOfBirth: string | undefined, at: string) =>
  dateOfBirth ? `${formatDate(dateOfBirth)} (age ${ageOn(dateOfBirth, at)})` : NOT_KNOWN;

/** Concerns as the direct alert writes them: `Child sexual exploitation (CSE); Self-harm`. */
export const concernsLabel = (concerns: ChildConcern[] | undefined) => concernsText(concerns);

export const lookedAfterText = (lookedAfter: boolean | undefined) =>
  lookedAfter === undefined ? NOT_KNOWN : lookedAfter ? 'Yes: a looked-after child' : 'No';

export const lastSeenText = (lastSeen: EpisodeFacts['lastSeen']) =>
  lastSeen ? `${formatLondonDateTime(lastSeen.at)}, ${lastSeen.area}` : NOT_KNOWN;

export const telHref = (phone: string) => `tel:${phone.replace(/[^+0-9]/g, '')}`;

export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
