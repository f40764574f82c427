import type { ContactRole, Organisation } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/** A contact as the audit log and import answers name it: by id and role, never name or email. */
export type ContactRef = { contactId: string; role: ContactRole };

export type ContactChanges = {
  added?: ContactRef[];
  removed?: ContactRef[];
  deactivated?: ContactRef[];
  reactivated?: ContactRef[];
  readdressed?: ContactRef[];
  renamed?: ContactRef[];
  /** Under the role they have now. */
  roleChanged?: ContactRef[];
};

/**
 * What one write did to one organisation, for the audit log (SPEC §8): which of its own fields
 * changed (their names, not their values) and which contacts were added, removed, deactivated,
 * re-activated, re-addressed, renamed or given another role, by contact id and role.
 */
export type OrganisationChange = {
  type: OrganisationType;
  id: string;
  change: 'created' | 'updated' | 'deactivated' | 'unchanged';
  fields: string[];
  contacts: ContactChanges;
};

const FIELDS = ['name', 'locality', 'postcode', 'active', 'receivesAreaAlerts', 'deactivatedBy'] as const;

/** The difference between two versions of an organisation (previous undefined: created). */
export function organisationChange(previous: Organisation | undefined, next: Organisation): OrganisationChange {
  const before = previous?.contacts ?? [];
  const byId = new Map(before.map((c) => [c.contactId, c]));
  const nextIds = new Set(next.contacts.map((c) => c.contactId));
  const ref = (c: { contactId: string; role: ContactRole }): ContactRef => ({ contactId: c.contactId, role: c.role });
  const contacts: Required<ContactChanges> = { added: [], removed: [], deactivated: [], reactivated: [], readdressed: [], renamed: [], roleChanged: [] };
  for (const contact of next.contacts) {
    const old = byId.get(contact.contactId);
    if (!old) {
      contacts.added.push(ref(contact));
      continue;
    }
    if (old.active && !contact.active) contacts.deactivated.push(ref(contact));
    if (!old.active && contact.active) contacts.reactivated.push(ref(contact));
    if (old.email !== contact.email) contacts.readdressed.push(ref(contact));
    if (old.name !== contact.name) contacts.renamed.push(ref(contact));
    if (old.role !== contact.role) contacts.roleChanged.push(ref(contact));
  }
  for (const old of before) if (!nextIds.has(old.contactId)) contacts.removed.push(ref(old));

  const fields = previous ? FIELDS.filter((f) => (previous[f] ?? null) !== (next[f] ?? null)) : [];
  const nonEmpty = Object.fromEntries(Object.entries(contacts).filter(([, list]) => list.length > 0)) as ContactChanges;
  const changed = fields.length > 0 || Object.keys(nonEmpty).length > 0;
  const change = !previous ? 'created' : !changed ? 'unchanged' : previous.active && !next.active ? 'deactivated' : 'updated';
  return { type: next.type, id: next.id, change, fields, contacts: nonEmpty };
}

/** The audit detail of one or more changes: compact JSON of what changed, ids and roles only. */
export function auditDetail(changes: readonly OrganisationChange[], extra: Record<string, unknown> = {}, max = 500): string {
  const changed = changes.filter((c) => c.change !== 'unchanged');
  const listed = changed.slice(0, max).map(({ type, id, change, fields, contacts }) => ({
    org: `${type}:${id}`,
    change,
    ...(fields.length > 0 ? { fields } : {}),
    ...(Object.keys(contacts).length > 0 ? { contacts } : {}),
  }));
  return JSON.stringify({ ...extra, changes: listed, ...(changed.length > max ? { more: changed.length - max } : {}) });
}
