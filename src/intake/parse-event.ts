import { ageInYears, londonDate } from '../domain/london-time';
import type { FieldError } from '../platform/problem';
import { fieldErrors } from '../platform/validation';
import { eventSchema, type MissingEvent } from './event.schema';

export type ParseResult = { ok: true; event: MissingEvent } | { ok: false; errors: FieldError[] };

/** How far ahead of the server clock an event's times may be (clock skew between systems). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** An unknown `type` fails the whole union: say which types there are instead. */
const unknownType = (issue: { code: string; path: readonly PropertyKey[] }) =>
  issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type'
    ? [{ path: 'type', message: 'must be one of missing.reported, missing.updated, missing.found, missing.cancelled' }]
    : undefined;

/**
 * The earliest time an event may name: no episode the service handles began before it, and a
 * year 0001 (a feed's empty date) would otherwise be kept and then fall out of every report.
 */
export const EARLIEST_EVENT_TIME = '2000-01-01T00:00:00Z';
/** Zone offsets in use run from -12:00 to +14:00. */
const OFFSET = /([+-])(\d\d):(\d\d)$/;

/** Rules that need the clock or span fields: checked after the shape is known good. */
function checkTimes(event: MissingEvent, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  const latest = now.getTime() + MAX_CLOCK_SKEW_MS;
  const earliest = Date.parse(EARLIEST_EVENT_TIME);
  const notAhead = (path: string, value: string | undefined) => {
    if (value === undefined) return;
    const offset = OFFSET.exec(value);
    if (offset && (Number(offset[2]) > (offset[1] === '+' ? 14 : 12) || Number(offset[3]) > 59)) {
      errors.push({ path, message: 'must have a zone offset between -12:00 and +14:00' });
    } else if (Date.parse(value) > latest) {
      errors.push({ path, message: 'must not be more than 5 minutes ahead of the server clock' });
    } else if (Date.parse(value) < earliest) {
      errors.push({ path, message: 'must not be before 2000-01-01' });
    }
  };
  notAhead('occurredAt', event.occurredAt);
  if (event.type === 'missing.reported' || event.type === 'missing.updated') notAhead('lastSeen.at', event.lastSeen?.at);
  if (event.type === 'missing.found') notAhead('foundAt', event.foundAt);

  const dateOfBirth = event.type === 'missing.reported' || event.type === 'missing.updated' ? event.child?.dateOfBirth : undefined;
  if (dateOfBirth !== undefined) {
    const onDate = londonDate(new Date(event.occurredAt));
    if (dateOfBirth > onDate) errors.push({ path: 'child.dateOfBirth', message: 'must not be after occurredAt' });
    else if (ageInYears(dateOfBirth, onDate) >= 18) {
      errors.push({ path: 'child.dateOfBirth', message: 'the child must be under 18 at occurredAt' });
    }
  }
  if (event.type === 'missing.updated') {
    const { risk, lastSeen, concerns, child, note } = event;
    if ([risk, lastSeen, concerns, child, note].every((v) => v === undefined)) {
      errors.push({ path: '', message: 'an update must carry at least one of risk, lastSeen, concerns, child, note' });
    }
    if (child && Object.keys(child).length === 0) errors.push({ path: 'child', message: 'must change at least one field' });
  }
  return errors;
}

/** Validates one posted body against SPEC §3. Pure: `now` is the server clock. */
export function parseEvent(body: unknown, now: Date): ParseResult {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error, unknownType) };
  const errors = checkTimes(parsed.data, now);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, event: parsed.data };
}
