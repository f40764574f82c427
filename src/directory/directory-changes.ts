import type { Contact, ContactRole, Organisation } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/** A contact as the import answers name it: by id and role, never name or email. */
export type ContactRef = { contactId: string; role: ContactRole };

/**
 * A contact as the audit log records it: a member of staff's work name and address (the audit log
 * is staff-only; it never holds a child's details). An edit also carries `from`, the value that the
 * list it is in names (the old email, name or role); the other fields are the contact as it is now.
 */
export type ContactEntry = ContactRef & { name: string; email: string; from?: string };

export type ContactChanges = {
  added?: ContactEntry[];
  removed?: ContactEntry[];
  deactivated?: ContactEntry[];
  reactivated?: ContactEntry[];
  readdressed?: ContactEntry[];
  renamed?: ContactEntry[];
  roleChanged?: ContactEntry[];
};

type FieldValue = string | boolean | null;
export type FieldChange = { from: FieldValue; to: FieldValue };

/**
 * What one write does to one organisation, for the audit log (SPEC §8): its own fields that change,
 * with their values before and after (before is null for a new one), and the contacts added,
 * removed, deactivated, re-activated, re-addressed, renamed or given another role.
 */
export type OrganisationChange = {
  type: OrganisationType;
  id: string;
  change: 'created' | 'updated' | 'deactivated' | 'unchanged';
  fields: Partial<Record<(typeof FIELDS)[number], FieldChange>>;
  contacts: ContactChanges;
};

const FIELDS = ['name', 'locality', 'postcode', 'active', 'receivesAreaAlerts', 'deactivatedBy'] as const;
const CONTACT_LISTS = ['added', 'removed', 'deactivated', 'reactivated', 'readdressed', 'renamed', 'roleChanged'] as const;

const entryOf = (c: Contact, from?: string): ContactEntry => ({ contactId: c.contactId, role: c.role, name: c.name, email: c.email, ...(from === undefined ? {} : { from }) });

function contactChanges(before: readonly Contact[], after: readonly Contact[]): ContactChanges {
  const byId = new Map(before.map((c) => [c.contactId, c]));
  const afterIds = new Set(after.map((c) => c.contactId));
  const lists: Required<ContactChanges> = { added: [], removed: [], deactivated: [], reactivated: [], readdressed: [], renamed: [], roleChanged: [] };
  for (const contact of after) {
    const old = byId.get(contact.contactId);
    if (!old) {
      lists.added.push(entryOf(contact));
      continue;
    }
    if (old.active && !contact.active) lists.deactivated.push(entryOf(contact));
    if (!old.active && contact.active) lists.reactivated.push(entryOf(contact));
    if (old.email !== contact.email) lists.readdressed.push(entryOf(contact, old.email));
    if (old.name !== contact.name) lists.renamed.push(entryOf(contact, old.name));
    if (old.role !== contact.role) lists.roleChanged.push(entryOf(contact, old.role));
  }
  for (const old of before) if (!afterIds.has(old.contactId)) lists.removed.push(entryOf(old));
  return Object.fromEntries(Object.entries(lists).filter(([, list]) => list.length > 0));
}

/** The difference between two versions of an organisation (previous undefined: it is new). Pure. */
export function organisationChange(previous: Organisation | undefined, next: Organisation): OrganisationChange {
  const fields: OrganisationChange['fields'] = {};
  for (const field of FIELDS) {
    const from = previous ? (previous[field] ?? null) : null;
    const to = next[field] ?? null;
    if (from !== to) fields[field] = { from, to };
  }
  const contacts = contactChanges(previous?.contacts ?? [], next.contacts);
  const changed = Object.keys(fields).length > 0 || Object.keys(contacts).length > 0;
  const change = !previous ? 'created' : !changed ? 'unchanged' : previous.active && !next.active ? 'deactivated' : 'updated';
  return { type: next.type, id: next.id, change, fields, contacts };
}

/** The audit detail of one or more changes: compact JSON of what changed and the values (at most `max` organisations). */
export function auditDetail(changes: readonly OrganisationChange[], extra: Record<string, string | number> = {}, max = 500): string {
  const changed = changes.filter((c) => c.change !== 'unchanged');
  const listed = changed.slice(0, max).map(({ type, id, change, fields, contacts }) => ({
    org: `${type}:${id}`,
    change,
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(Object.keys(contacts).length > 0 ? { contacts } : {}),
  }));
  return JSON.stringify({ ...extra, changes: listed, ...(changed.length > max ? { more: changed.length - max } : {}) });
}

/** The audit detail of a read of the directory's list: its filter and how many organisations it showed. */
export function listingDetail(filter: { type?: string | undefined; locality?: string | undefined }, count: number): string {
  const filters = [filter.type ? `type ${filter.type}` : '', filter.locality ? `locality ${filter.locality}` : ''].filter(Boolean);
  return `${filters.length > 0 ? filters.join(', ') : 'all'}: ${count} ${count === 1 ? 'organisation' : 'organisations'}`;
}

/** An audit detail of auditDetail's, as lines for the audit log page: a summary, then each organisation's changes. */
export type ReadableChanges = { summary: string; organisations: { org: string; change: string; lines: string[] }[] };

const CONTACT_VERBS: Record<(typeof CONTACT_LISTS)[number], string> = {
  added: 'added',
  removed: 'removed',
  deactivated: 'deactivated',
  reactivated: 're-activated',
  readdressed: 're-addressed',
  renamed: 'renamed',
  roleChanged: 'given another role',
};

const shown = (value: unknown) => (typeof value === 'string' ? `“${value}”` : value === null || value === undefined ? 'none' : String(value));

function contactLine(list: (typeof CONTACT_LISTS)[number], c: ContactEntry): string {
  const verb = `contact ${CONTACT_VERBS[list]}`;
  if (list === 'readdressed') return `${verb}: ${c.name}, ${c.role}: ${c.from} → ${c.email}`;
  if (list === 'renamed') return `${verb}: ${c.from} → ${c.name} <${c.email}>, ${c.role}`;
  if (list === 'roleChanged') return `${verb}: ${c.name} <${c.email}>: ${c.from} → ${c.role}`;
  return `${verb}: ${c.name} <${c.email}>, ${c.role}`;
}

type WrittenChange = { org: string; change: string; fields?: Record<string, FieldChange>; contacts?: ContactChanges };

/**
 * Reads back a detail that auditDetail wrote; undefined for any other text (details of other
 * actions are plain text, and an entry is shown as written whatever it holds).
 */
export function readAuditDetail(detail: string): ReadableChanges | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { changes?: unknown }).changes)) return undefined;
  const { changes, more, ...extra } = parsed as { changes: WrittenChange[]; more?: number } & Record<string, unknown>;
  const total = changes.length + (more ?? 0);
  const counted = `${total} ${total === 1 ? 'organisation' : 'organisations'} changed${more ? ` (${more} not listed)` : ''}`;
  const extras = Object.entries(extra).map(([k, v]) => `${k} ${String(v)}`);
  const organisations = changes.map(({ org, change, fields = {}, contacts = {} }) => ({
    org: String(org),
    change: String(change),
    lines: [
      ...Object.entries(fields).map(([field, v]) => `${field}: ${shown(v.from)} → ${shown(v.to)}`),
      ...CONTACT_LISTS.flatMap((list) => (contacts[list] ?? []).map((c) => contactLine(list, c))),
    ],
  }));
  return { summary: [extras.join(', '), counted].filter(Boolean).join('; '), organisations };
}
