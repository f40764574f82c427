import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { localityByName, localityOfPostcode, postcodeDistrict } from '../../config/localities';
import { moduleLogger } from '../platform/logger';
import { HttpProblem, type FieldError } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { singleLineText } from '../platform/text';
import { contactIdFor } from './contacts-csv';
import { organisationChange, type OrganisationChange } from './directory-changes';
import type { DirectoryStore, StoredOrganisation } from './directory.store';
import { ODS_PATTERN, URN_PATTERN, contactSchema, type Contact, type Organisation } from './organisation';
import { sampleDirectory } from './sample-directory';
import { ORGANISATION_TYPES, type OrganisationRef } from '../domain/organisation-ref';

/**
 * The directory's use cases behind the API and `npm run directory`: create or replace,
 * deactivate, load the sample. Decisions (what an organisation becomes) are pure functions;
 * the store calls sit in the few async functions at the bottom.
 */

const log = moduleLogger('directory');

const oneLine = (max: number) => singleLineText(max);

/** The body of `PUT /api/v1/organisations/{type}/{id}` (SPEC §4). */
export const organisationBodySchema = z
  .strictObject({
    name: oneLine(200),
    /** A known locality in any case; derived from the postcode when absent. */
    locality: oneLine(100).optional(),
    postcode: oneLine(10).optional(),
    active: z.boolean().default(true),
    receivesAreaAlerts: z.boolean().default(true),
    contacts: z.array(contactSchema).max(100),
  })
  .superRefine((body, ctx) => {
    if (body.locality !== undefined && localityByName(body.locality) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['locality'], message: 'is not a known locality' });
    }
    if (body.postcode !== undefined && postcodeDistrict(body.postcode) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['postcode'], message: 'is not a UK postcode' });
    }
    const seen = new Set<string>();
    body.contacts.forEach((contact, i) => {
      const contactId = contact.contactId ?? contactIdFor(contact.email);
      if (seen.has(contactId)) {
        const field = contact.contactId === undefined ? 'email' : 'contactId';
        ctx.addIssue({ code: 'custom', path: ['contacts', i, field], message: 'lists the same contact twice' });
      }
      seen.add(contactId);
    });
    // Alerts go to named people (SPEC §4): an organisation that takes alerts needs someone to take them.
    if (body.active && !body.contacts.some((c) => c.active)) {
      ctx.addIssue({ code: 'custom', path: ['contacts'], message: 'an active organisation needs at least one active named contact' });
    }
  });
export type OrganisationBody = z.infer<typeof organisationBodySchema>;

/**
 * Reads `{type}/{id}` from a URL: a 6-digit URN for a school, an ODS code (any case, stored
 * upper-case) for a GP practice. Errors name the parameter.
 */
export function parseOrganisationRef(type: string, id: string): { ok: true; ref: OrganisationRef } | { ok: false; errors: FieldError[] } {
  if (!(ORGANISATION_TYPES as readonly string[]).includes(type)) {
    return { ok: false, errors: [{ path: 'type', message: `must be one of ${ORGANISATION_TYPES.join(', ')}` }] };
  }
  if (type === 'school') {
    return URN_PATTERN.test(id) ? { ok: true, ref: { type, id } } : { ok: false, errors: [{ path: 'id', message: 'a school id is a 6-digit URN' }] };
  }
  const ods = id.toUpperCase();
  return ODS_PATTERN.test(ods)
    ? { ok: true, ref: { type: 'gp', id: ods } }
    : { ok: false, errors: [{ path: 'id', message: 'a gp id is an ODS code: a letter and 5 digits' }] };
}

/** "ne611aa", "NE61  1AA" → "NE61 1AA"; a bare district, or anything else, is only trimmed and upper-cased. */
export function normalisePostcode(postcode: string): string {
  const district = postcodeDistrict(postcode);
  if (district === undefined) return postcode.trim().toUpperCase();
  const compact = postcode.replace(/\s+/g, '').toUpperCase();
  return compact.length > district.length ? `${district} ${compact.slice(district.length)}` : compact;
}

/** What `PUT` stores: the body as given, with the canonical locality, postcode and contact ids filled in. */
export function organisationFromBody(ref: OrganisationRef, body: OrganisationBody, now: Date): Organisation {
  const postcode = body.postcode === undefined ? undefined : normalisePostcode(body.postcode);
  const locality = body.locality !== undefined ? localityByName(body.locality) : postcode !== undefined ? localityOfPostcode(postcode) : undefined;
  const contacts: Contact[] = body.contacts.map((c) => ({ ...c, contactId: c.contactId ?? contactIdFor(c.email) }));
  return {
    type: ref.type,
    id: ref.id,
    name: body.name,
    locality,
    postcode,
    active: body.active,
    receivesAreaAlerts: body.receivesAreaAlerts,
    contacts,
    updatedAt: now.toISOString(),
    ...(body.active ? {} : { deactivatedBy: 'admin' as const }),
  };
}

/** Everything but `updatedAt`, in a fixed order: two organisations with equal content are the same. */
function contentOf(o: Organisation): string {
  return JSON.stringify([
    o.type,
    o.id,
    o.name,
    o.locality ?? null,
    o.postcode ?? null,
    o.active,
    o.receivesAreaAlerts,
    o.active ? null : (o.deactivatedBy ?? null),
    o.contacts.map((c) => [c.contactId, c.name, c.email, c.role, c.active]),
  ]);
}

export const sameContent = (a: Organisation, b: Organisation): boolean => contentOf(a) === contentOf(b);

/** The API's view of an organisation: absent values are null rather than missing keys. */
export function organisationBody(o: Organisation) {
  return {
    type: o.type,
    id: o.id,
    name: o.name,
    locality: o.locality ?? null,
    postcode: o.postcode ?? null,
    active: o.active,
    receivesAreaAlerts: o.receivesAreaAlerts,
    deactivatedBy: o.active ? null : (o.deactivatedBy ?? null),
    contacts: o.contacts.map((c) => ({ contactId: c.contactId, name: c.name, email: c.email, role: c.role, active: c.active })),
    updatedAt: o.updatedAt,
  };
}

/**
 * Called with what a write will do, before it is made: the audit entry is written there, so a
 * change whose entry cannot be written is not made (SPEC §8). A throw stops the write.
 */
export type BeforeWrite = (change: OrganisationChange) => Promise<void>;

/** Rounds of read, plan, record and conditional write before a request gives up on a busy organisation. */
export const WRITE_ROUNDS = 8;

export const editConflict = () =>
  new HttpProblem(409, 'edit-conflict', 'Conflict', 'The organisation kept changing while this request was applied, and this request changed nothing; try again.');

/**
 * One write planned from the stored record, recorded, then made only if the record is still the
 * one planned from; another writer in between means read, plan and record again. So every
 * applied change's entry describes the state it replaced; a lost round's entry over-records.
 * `plan` answers undefined when there is nothing to write (its entry is still recorded).
 */
async function writeConditionally<T>(
  store: DirectoryStore,
  ref: OrganisationRef,
  plan: (read: StoredOrganisation) => { next: Organisation | undefined; change: OrganisationChange | undefined; result: T },
  beforeWrite: BeforeWrite,
): Promise<T> {
  for (let round = 0; round < WRITE_ROUNDS; round += 1) {
    const read = await withRedis(() => store.read(ref.type, ref.id));
    const { next, change, result } = plan(read);
    if (change) await beforeWrite(change);
    if (!next || (await withRedis(() => store.replaceIf(read, next)))) return result;
    log.info({ type: ref.type, id: ref.id, round }, 'organisation changed meanwhile: planning again');
    // Writers that lost together would read and lose together again: a random, growing pause spreads them out.
    await sleep(Math.random() * 5 * 2 ** round);
  }
  throw editConflict();
}

/** Creates or replaces one organisation (PUT): plans from the stored version, records, then writes if it is still that version. */
export async function putOrganisation(store: DirectoryStore, ref: OrganisationRef, body: OrganisationBody, now: Date, beforeWrite: BeforeWrite) {
  const organisation = organisationFromBody(ref, body, now);
  const result = await writeConditionally(
    store,
    ref,
    ({ organisation: previous }) => ({ next: organisation, change: organisationChange(previous, organisation), result: { organisation, created: previous === undefined } }),
    beforeWrite,
  );
  log.info({ type: ref.type, id: ref.id, change: result.created ? 'created' : 'replaced', contacts: organisation.contacts.length }, 'organisation written');
  return result;
}

/**
 * DELETE: the organisation stays, inactive, with its contacts, so past deliveries still name
 * it and it can be re-activated by a PUT. Undefined when unknown; one already deactivated by an
 * admin is not written again, but the request is still recorded.
 */
export async function deactivateOrganisation(store: DirectoryStore, ref: OrganisationRef, now: Date, beforeWrite: BeforeWrite): Promise<Organisation | undefined> {
  const { organisation, written } = await writeConditionally<{ organisation: Organisation | undefined; written: boolean }>(
    store,
    ref,
    ({ organisation: previous }) => {
      if (!previous) return { next: undefined, change: undefined, result: { organisation: undefined, written: false } };
      if (!previous.active && previous.deactivatedBy === 'admin') return { next: undefined, change: organisationChange(previous, previous), result: { organisation: previous, written: false } };
      const next: Organisation = { ...previous, active: false, deactivatedBy: 'admin', updatedAt: now.toISOString() };
      return { next, change: organisationChange(previous, next), result: { organisation: next, written: true } };
    },
    beforeWrite,
  );
  if (written) log.info({ type: ref.type, id: ref.id, change: 'deactivated' }, 'organisation written');
  return organisation;
}

/**
 * SPEC §9: outside production, an empty directory gets the fictional sample directory so that
 * `npm start` has someone to route to. Never in production, never over existing data.
 */
export async function loadSampleIfEmpty(store: DirectoryStore, now: Date, { production }: { production: boolean }): Promise<{ loaded: number }> {
  if (production) return { loaded: 0 };
  if ((await withRedis(() => store.count())) > 0) return { loaded: 0 };
  const sample = sampleDirectory(now);
  for (const organisation of sample) await withRedis(() => store.put(organisation));
  log.info({ organisations: sample.length }, 'sample directory loaded');
  return { loaded: sample.length };
}

/**
 * Strict mode: an empty directory makes every event unroutable, so say so at start-up, once,
 * with the command that loads it (nothing else: no data in the line).
 */
export async function warnIfDirectoryEmpty(store: DirectoryStore): Promise<boolean> {
  if ((await withRedis(() => store.count())) > 0) return false;
  log.warn(
    'the directory is empty, so every event is unroutable: load it with npm run directory -- import-gias FILE --la CODE, import-epraccur FILE and import-contacts FILE',
  );
  return true;
}
