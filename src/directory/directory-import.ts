import { LOCALITIES, localityOfPostcode } from '../../config/localities';
import { moduleLogger } from '../platform/logger';
import { withRedis } from '../platform/redis';
import { groupContactRows, parseContactsCsv, type OrganisationUpsert, type RejectedLine } from './contacts-csv';
import { organisationChange, type ContactRef, type OrganisationChange } from './directory-changes';
import { normalisePostcode, sameContent } from './directory.service';
import type { DirectoryStore } from './directory.store';
import { ImportFormatError } from './csv-records';
import { readEpraccurPractices } from './epraccur-import';
import { readGiasEstablishments } from './gias-import';
import { organisationKey, type Contact, type Organisation } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * The three directory imports of SPEC §4, shared by the API and `npm run directory`.
 * Each reads the whole file first and writes only when it has been read to the end, so a
 * file that turns out to be broken half-way (ImportFormatError) changes nothing. Only
 * organisations whose content really changes are written: importing a file twice answers
 * zeros the second time.
 */

const log = moduleLogger('directory-import');

export type ContactsImportResult = { created: number; updated: number; rejected: RejectedLine[] };
/** `replace` also lists the contacts it deactivated: by organisation, contact id and role. */
export type ContactsReplaceResult = ContactsImportResult & { deactivated: ({ type: OrganisationType; id: string } & ContactRef)[] };

/**
 * `upsert` (the default) adds or replaces the contacts a file lists and keeps the others;
 * `replace` makes the file the whole truth for each organisation it names: their contacts not
 * in it are deactivated (kept, for history). Organisations the file does not name are untouched.
 */
export const CONTACTS_IMPORT_MODES = ['upsert', 'replace'] as const;
export type ContactsImportMode = (typeof CONTACTS_IMPORT_MODES)[number];

/**
 * `beforeWrite` is called with what the import will change, organisation by organisation, and
 * its counts, after the file is read and before anything is written: the audit entry is written
 * there, so an import whose entry cannot be written changes nothing (SPEC §8). A throw stops it.
 */
export type ImportOptions = { beforeWrite?: (changes: OrganisationChange[], counts: Record<string, string | number>) => Promise<void> };
export type ReferenceImportResult = { created: number; updated: number; deactivated: number; rejected: RejectedLine[] };

type Input = AsyncIterable<Buffer> | NodeJS.ReadableStream;
type Change = 'created' | 'updated' | 'deactivated' | 'unchanged';

/**
 * A contacts-file row group applied to an organisation: name, locality and area alerts come
 * from the file; the file's contacts are created or replaced by contactId, others are kept.
 * An empty locality in the file keeps the organisation's own (or its postcode's).
 */
export function applyContactsUpsert(previous: Organisation | undefined, upsert: OrganisationUpsert, now: Date): Organisation {
  if (!previous) {
    return {
      type: upsert.type,
      id: upsert.id,
      name: upsert.name,
      locality: upsert.locality,
      postcode: undefined,
      active: true,
      receivesAreaAlerts: upsert.receivesAreaAlerts,
      contacts: upsert.contacts,
      updatedAt: now.toISOString(),
    };
  }
  const listed = new Map(upsert.contacts.map((c) => [c.contactId, c]));
  const contacts: Contact[] = previous.contacts.map((c) => listed.get(c.contactId) ?? c);
  const known = new Set(previous.contacts.map((c) => c.contactId));
  contacts.push(...upsert.contacts.filter((c) => !known.has(c.contactId)));
  const locality = upsert.locality ?? previous.locality ?? (previous.postcode ? localityOfPostcode(previous.postcode) : undefined);
  return { ...previous, name: upsert.name, locality, receivesAreaAlerts: upsert.receivesAreaAlerts, contacts, updatedAt: now.toISOString() };
}

/** `replace`: as upsert, then every active contact the file does not list is deactivated. */
export function applyContactsReplace(previous: Organisation | undefined, upsert: OrganisationUpsert, now: Date): Organisation {
  const next = applyContactsUpsert(previous, upsert, now);
  const listed = new Set(upsert.contacts.map((c) => c.contactId));
  return { ...next, contacts: next.contacts.map((c) => (listed.has(c.contactId) || !c.active ? c : { ...c, active: false })) };
}

/** One usable row of a reference extract (GIAS or epraccur), whatever its source format. */
export type ReferenceRecord = { type: OrganisationType; id: string; name: string; postcode: string | undefined; active: boolean };

/**
 * A reference-extract row applied to an organisation. Contacts are never touched. The name
 * changes only when it really differs, not merely in case (ODS names are in capitals, and a
 * human-cased "Fellside Surgery" should survive). A closed organisation is deactivated; an
 * open one is re-activated only if an import, not an admin, deactivated it.
 */
export function applyReferenceRecord(previous: Organisation | undefined, record: ReferenceRecord, now: Date): Organisation {
  const postcode = record.postcode === undefined ? previous?.postcode : normalisePostcode(record.postcode);
  if (!previous) {
    return {
      type: record.type,
      id: record.id,
      name: record.name,
      locality: postcode === undefined ? undefined : localityOfPostcode(postcode),
      postcode,
      active: record.active,
      receivesAreaAlerts: true,
      contacts: [],
      updatedAt: now.toISOString(),
      ...(record.active ? {} : { deactivatedBy: 'import' as const }),
    };
  }
  const name = previous.name.toLowerCase() === record.name.toLowerCase() ? previous.name : record.name;
  const locality = previous.locality ?? (postcode === undefined ? undefined : localityOfPostcode(postcode));
  let active = previous.active;
  let deactivatedBy = previous.deactivatedBy;
  if (previous.active && !record.active) {
    active = false;
    deactivatedBy = 'import';
  } else if (!previous.active && record.active && previous.deactivatedBy !== 'admin') {
    active = true;
    deactivatedBy = undefined;
  }
  const next: Organisation = { ...previous, name, postcode, locality, active, updatedAt: now.toISOString() };
  delete next.deactivatedBy;
  if (!active && deactivatedBy !== undefined) next.deactivatedBy = deactivatedBy;
  return next;
}

function classify(previous: Organisation | undefined, next: Organisation): Change {
  if (!previous) return 'created';
  if (sameContent(previous, next)) return 'unchanged';
  return previous.active && !next.active ? 'deactivated' : 'updated';
}

type Write = { next: Organisation; change: Change };

/** What an import will do, decided from the current versions before anything is written. Pure. */
function planAll<T extends { type: OrganisationType; id: string }>(
  existing: ReadonlyMap<string, Organisation>,
  items: readonly T[],
  apply: (previous: Organisation | undefined, item: T) => Organisation,
): { counts: Record<Change, number>; changes: OrganisationChange[]; writes: Write[] } {
  const counts: Record<Change, number> = { created: 0, updated: 0, deactivated: 0, unchanged: 0 };
  const changes: OrganisationChange[] = [];
  const writes: Write[] = [];
  const current = new Map(existing);
  for (const item of items) {
    const key = organisationKey(item.type, item.id);
    const previous = current.get(key);
    const next = apply(previous, item);
    const change = classify(previous, next);
    counts[change] += 1;
    if (change === 'unchanged') continue;
    changes.push(organisationChange(previous, next));
    writes.push({ next, change });
    current.set(key, next);
  }
  return { counts, changes, writes };
}

/** Reads the current versions in one round trip and plans; `record` sees the plan; then writes what changed. */
async function applyAll<T extends { type: OrganisationType; id: string }>(
  store: DirectoryStore,
  items: readonly T[],
  apply: (previous: Organisation | undefined, item: T) => Organisation,
  record: (plan: { counts: Record<Change, number>; changes: OrganisationChange[] }) => Promise<void>,
): Promise<{ counts: Record<Change, number>; changes: OrganisationChange[] }> {
  const existing = await withRedis(() => store.getMany(items), 10_000);
  const { counts, changes, writes } = planAll(existing, items, apply);
  await record({ counts, changes });
  for (const { next, change } of writes) {
    await withRedis(() => store.put(next));
    log.info({ type: next.type, id: next.id, change }, 'organisation written');
  }
  return { counts, changes };
}

/**
 * The contacts CSV (SPEC §4). Bad rows come back in `rejected` with their line; the valid
 * rows are applied, as `mode` says. Throws ImportFormatError for a file that is not a contacts
 * CSV at all.
 */
export async function importContacts(
  store: DirectoryStore,
  text: string,
  now: Date,
  options: ImportOptions & { mode?: ContactsImportMode } = {},
): Promise<ContactsImportResult | ContactsReplaceResult> {
  const mode = options.mode ?? 'upsert';
  const { rows, rejected } = parseContactsCsv(text);
  // A rejected row may be a current contact with a typo: replacing without it would deactivate them.
  if (mode === 'replace' && rejected.length > 0) {
    const first = rejected[0]!;
    const count = rejected.length === 1 ? '1 row is' : `${rejected.length} rows are, the first`;
    throw new ImportFormatError(`with mode=replace every row must be valid; ${count} not (${first.reason}); nothing was changed`, first.line);
  }
  const upserts = [...groupContactRows(rows).values()];
  const apply = mode === 'replace' ? applyContactsReplace : applyContactsUpsert;
  // A contacts import never deactivates an organisation, so every change to an existing one is an update.
  const countsOf = (counts: Record<Change, number>) => ({ created: counts.created, updated: counts.updated + counts.deactivated });
  const { counts, changes } = await applyAll(
    store,
    upserts,
    (previous, upsert) => apply(previous, upsert, now),
    async (plan) => options.beforeWrite?.(plan.changes, { mode, ...countsOf(plan.counts), rejected: rejected.length }),
  );
  const result = { ...countsOf(counts), rejected };
  const deactivated = changes.flatMap((c) => (c.contacts.deactivated ?? []).map(({ contactId, role }) => ({ type: c.type, id: c.id, contactId, role })));
  log.info({ source: 'contacts', mode, created: result.created, updated: result.updated, rejected: rejected.length, contactsDeactivated: deactivated.length }, 'directory import done');
  return mode === 'replace' ? { ...result, deactivated } : result;
}

async function importReference(
  store: DirectoryStore,
  source: 'gias' | 'epraccur',
  rows: AsyncIterable<({ kind: 'row' } & ReferenceRecord) | { kind: 'rejected'; line: number; reason: string }>,
  now: Date,
  options: ImportOptions,
): Promise<ReferenceImportResult> {
  // Keyed so that a code listed twice is applied once, as its last row says.
  const records = new Map<string, ReferenceRecord>();
  const rejected: RejectedLine[] = [];
  for await (const row of rows) {
    if (row.kind === 'rejected') rejected.push({ line: row.line, reason: row.reason });
    else records.set(organisationKey(row.type, row.id), { type: row.type, id: row.id, name: row.name, postcode: row.postcode, active: row.active });
  }
  const countsOf = (counts: Record<Change, number>) => ({ created: counts.created, updated: counts.updated, deactivated: counts.deactivated });
  const { counts } = await applyAll(
    store,
    [...records.values()],
    (previous, record) => applyReferenceRecord(previous, record, now),
    async (plan) => options.beforeWrite?.(plan.changes, { ...countsOf(plan.counts), rejected: rejected.length }),
  );
  const result = { ...countsOf(counts), rejected };
  log.info({ source, ...result, rejected: rejected.length, unchanged: counts.unchanged }, 'directory import done');
  return result;
}

/** A GIAS establishments extract (cp1252), the schools of one local authority (`la`, e.g. "929"). */
export async function importGias(store: DirectoryStore, input: Input, { la }: { la: string }, now: Date, options: ImportOptions = {}): Promise<ReferenceImportResult> {
  async function* rows() {
    for await (const row of readGiasEstablishments(input, { la })) {
      yield row.kind === 'row' ? { kind: 'row' as const, type: 'school' as const, id: row.urn, name: row.name, postcode: row.postcode, active: row.active } : row;
    }
  }
  return importReference(store, 'gias', rows(), now, options);
}

/** Every postcode district of the configured localities: the default area of an epraccur import. */
export const LOCALITY_DISTRICTS: readonly string[] = LOCALITIES.flatMap((l) => l.districts);

/**
 * The ODS epraccur file. With a commissioner code (e.g. "00L") the practices it commissions;
 * without one, the practices whose postcode lies in a configured locality, so that the
 * national file never fills the directory with all of England and Wales.
 */
export async function importEpraccur(
  store: DirectoryStore,
  input: Input,
  { commissioner }: { commissioner?: string },
  now: Date,
  options: ImportOptions = {},
): Promise<ReferenceImportResult> {
  const filter = commissioner ? { commissioner } : { postcodePrefixes: [...LOCALITY_DISTRICTS] };
  let bytes = 0;
  async function* counted() {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  async function* rows() {
    for await (const row of readEpraccurPractices(counted(), filter)) {
      // epraccur has no header to check; a first line of the wrong width means another file altogether.
      if (row.kind === 'rejected' && row.line === 1 && /^expected \d+ fields/.test(row.reason)) {
        throw new ImportFormatError(`not an epraccur file: ${row.reason}`, 1);
      }
      yield row.kind === 'row' ? { kind: 'row' as const, type: 'gp' as const, id: row.odsCode, name: row.name, postcode: row.postcode, active: row.active } : row;
    }
    if (bytes === 0) throw new ImportFormatError('the file is empty');
  }
  return importReference(store, 'epraccur', rows(), now, options);
}
