import { createHash } from 'node:crypto';
import { localityByName } from '../../config/localities';
import { CONTACT_ROLES, ODS_PATTERN, URN_PATTERN, contactSchema, organisationKey, type Contact, type ContactRole } from './organisation';
import { hasUnsafeText } from '../platform/text';
import { ImportFormatError, parseCsvRecords } from './csv-records';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * The contacts CSV of SPEC §4, one row a contact:
 * `type,id,name,locality,contact_name,contact_email,contact_role,area_alerts`.
 * Parsing only: turning the plan into stored organisations is the directory service's job.
 */

export const CONTACT_CSV_COLUMNS = [
  'type',
  'id',
  'name',
  'locality',
  'contact_name',
  'contact_email',
  'contact_role',
  'area_alerts',
] as const;
type Column = (typeof CONTACT_CSV_COLUMNS)[number];

export type ContactRow = {
  /** 1-based physical line of the row in the file (the header is line 1). */
  line: number;
  type: OrganisationType;
  id: string;
  name: string;
  locality: string | undefined;
  contactName: string;
  contactEmail: string;
  contactRole: ContactRole;
  areaAlerts: boolean;
};

export type RejectedLine = { line: number; reason: string };

/** One organisation to create or update, with the contacts the file lists for it. */
export type OrganisationUpsert = {
  type: OrganisationType;
  id: string;
  name: string;
  locality: string | undefined;
  receivesAreaAlerts: boolean;
  contacts: Contact[];
};

const AREA_ALERTS: Record<string, boolean> = { '': true, true: true, yes: true, '1': true, false: false, no: false, '0': false };

/** Maps each expected column to its position; the header may list them in any order. */
function readHeader(fields: string[]): Map<Column, number> {
  const names = fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((n) => !(CONTACT_CSV_COLUMNS as readonly string[]).includes(n));
  const missing = CONTACT_CSV_COLUMNS.filter((c) => !names.includes(c));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  const problems = [
    missing.length > 0 ? `missing column(s) ${missing.join(', ')}` : '',
    // Positions, never the text: a file without its header row would echo a contact's name and email.
    unknown.length > 0 ? `unknown column(s) at position ${names.flatMap((n, i) => (unknown.includes(n) ? [i + 1] : [])).join(', ')}` : '',
    repeated.length > 0 ? `repeated column(s) at position ${names.flatMap((n, i) => (names.indexOf(n) !== i ? [i + 1] : [])).join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new ImportFormatError(`the header must name ${CONTACT_CSV_COLUMNS.join(',')}: ${problems.join('; ')}`, 1);
  }
  return new Map(CONTACT_CSV_COLUMNS.map((c) => [c, names.indexOf(c)]));
}

/** Checks one row; reasons name the field, never its value (it may be a person's name). */
function readRow(line: number, get: (c: Column) => string): ContactRow | RejectedLine {
  const reasons: string[] = [];
  const type = get('type').toLowerCase();
  if (type !== 'school' && type !== 'gp') reasons.push('type must be school or gp');

  const id = type === 'gp' ? get('id').toUpperCase() : get('id');
  if (type === 'school' && !URN_PATTERN.test(id)) reasons.push('id must be a 6-digit URN for a school');
  if (type === 'gp' && !ODS_PATTERN.test(id)) reasons.push('id must be an ODS code (a letter and 5 digits) for a gp');

  const name = get('name');
  if (name.length < 1 || name.length > 200 || hasUnsafeText(name)) reasons.push('name must be 1-200 characters on one line');

  const localityGiven = get('locality');
  const locality = localityGiven === '' ? undefined : localityByName(localityGiven);
  if (localityGiven !== '' && locality === undefined) reasons.push('locality is not a known locality');

  const contactName = get('contact_name');
  if (!contactSchema.shape.name.safeParse(contactName).success) {
    reasons.push('contact_name must be 1-100 characters on one line');
  }
  const contactEmail = get('contact_email');
  if (!contactSchema.shape.email.safeParse(contactEmail).success) reasons.push('contact_email is not a valid email address');

  const role = get('contact_role').toLowerCase();
  if (!(CONTACT_ROLES as readonly string[]).includes(role)) {
    reasons.push(`contact_role must be one of ${CONTACT_ROLES.join(', ')}`);
  }
  const areaAlerts = AREA_ALERTS[get('area_alerts').toLowerCase()];
  if (areaAlerts === undefined) reasons.push('area_alerts must be true, false, yes, no, 1, 0 or empty');

  if (reasons.length > 0) return { line, reason: reasons.join('; ') };
  return {
    line,
    type: type as OrganisationType,
    id,
    name,
    locality,
    contactName,
    contactEmail,
    contactRole: role as ContactRole,
    areaAlerts: areaAlerts as boolean,
  };
}

/**
 * Parses a contacts CSV. Bad rows are rejected with their line and the rest still import;
 * a file without the header, or with broken quoting, throws ImportFormatError.
 */
export function parseContactsCsv(text: string): { rows: ContactRow[]; rejected: RejectedLine[] } {
  const [header, ...records] = parseCsvRecords(text);
  if (header === undefined) throw new ImportFormatError('the file is empty: a header row is required');
  const columns = readHeader(header.fields);

  const rows: ContactRow[] = [];
  const rejected: RejectedLine[] = [];
  for (const { line, fields } of records) {
    if (fields.length !== CONTACT_CSV_COLUMNS.length) {
      rejected.push({ line, reason: `expected ${CONTACT_CSV_COLUMNS.length} fields, found ${fields.length}` });
      continue;
    }
    const row = readRow(line, (c) => (fields[columns.get(c) as number] ?? '').trim());
    if ('reason' in row) rejected.push(row);
    else rows.push(row);
  }
  return { rows, rejected };
}

/**
 * A contact's id is derived from the email alone, so importing the same file twice (or the
 * same person with different capitalisation) leaves the directory unchanged.
 */
export function contactIdFor(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 16);
}

/**
 * Groups rows into one upsert per organisation (keyed `type:id`). Rows are applied in file
 * order, as a run of single-row upserts would be: the last row wins for the organisation's
 * name, locality and area_alerts, and for a contact listed twice.
 */
export function groupContactRows(rows: readonly ContactRow[]): Map<string, OrganisationUpsert> {
  const plan = new Map<string, OrganisationUpsert>();
  for (const row of rows) {
    const key = organisationKey(row.type, row.id);
    const upsert: OrganisationUpsert = plan.get(key) ?? {
      type: row.type,
      id: row.id,
      name: row.name,
      locality: row.locality,
      receivesAreaAlerts: row.areaAlerts,
      contacts: [],
    };
    upsert.name = row.name;
    upsert.locality = row.locality;
    upsert.receivesAreaAlerts = row.areaAlerts;

    const contact: Contact = {
      contactId: contactIdFor(row.contactEmail),
      name: row.contactName,
      email: row.contactEmail,
      role: row.contactRole,
      active: true,
    };
    const existing = upsert.contacts.findIndex((c) => c.contactId === contact.contactId);
    if (existing === -1) upsert.contacts.push(contact);
    else upsert.contacts[existing] = contact;
    plan.set(key, upsert);
  }
  return plan;
}
