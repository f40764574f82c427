import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { localityByName } from '../../config/localities';
import { dashboardAuth } from '../access/auth';
import type { SessionStore } from '../access/sessions.store';
import { HttpProblem, notFound, validationProblem, type FieldError } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { ImportFormatError } from './csv-records';
import { auditDetail, listingDetail, type OrganisationChange } from './directory-changes';
import { CONTACTS_IMPORT_MODES, importContacts, importEpraccur, importGias, type ContactsImportMode } from './directory-import';
import { deactivateOrganisation, organisationBody, organisationBodySchema, parseOrganisationRef, putOrganisation } from './directory.service';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import type { DirectoryStore } from './directory.store';
import { ORGANISATION_TYPES, type OrganisationRef, type OrganisationType } from '../domain/organisation-ref';
import { actorOf } from '../access/actor';

export type OrganisationsRouterDeps = {
  directory: DirectoryStore;
  sessions: SessionStore;
  audit: AuditLog;
  now: () => Date;
};

/** A contacts file of a whole county is a few hundred kilobytes; 5 MB leaves room without inviting abuse. */
const CONTACTS_LIMIT = { bytes: 5 * 1024 * 1024, text: '5 MB' };
/** The national GIAS extract is ~70 MB and growing; it is streamed, never held whole. */
const REFERENCE_LIMIT = { bytes: 200 * 1024 * 1024, text: '200 MB' };

const unsupported = (detail: string) => new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', detail);
const tooLarge = (text: string) => new HttpProblem(413, 'payload-too-large', 'Content Too Large', `The body must be at most ${text}.`);
const importFormat = (err: ImportFormatError) => new HttpProblem(422, 'import-format', 'Unprocessable Content', `The file cannot be imported: ${err.message}.`);

/** Runs a body-parser middleware here, so that its "too large" names this route's limit. */
function readBody(parser: RequestHandler, req: Request, res: Response, limitText: string): Promise<void> {
  return new Promise((resolve, reject) => {
    void parser(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') reject(tooLarge(limitText));
      else if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * The request body as it arrives, refused past `max` bytes. Read with destroyOnReturn off: a
 * file refused early (bad header) must not tear down the socket before the 422 is written.
 */
async function* limitedBody(req: Request, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw tooLarge(REFERENCE_LIMIT.text);
    yield chunk;
  }
}

function refOf(req: Request): OrganisationRef {
  const parsed = parseOrganisationRef(String(req.params.type), String(req.params.id));
  if (!parsed.ok) throw validationProblem(parsed.errors, 'The organisation type or id is not valid.');
  return parsed.ref;
}

/** A single optional query parameter; repeated or empty values are mistakes, not wildcards. */
function queryValue(req: Request, name: string, errors: FieldError[]): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ path: name, message: 'must be given once, with a value' });
    return undefined;
  }
  return value.trim();
}

function requireReferenceFile(req: Request): void {
  if (!req.is(['text/csv', 'application/octet-stream'])) {
    throw unsupported('Send the extract as text/csv or application/octet-stream, exactly as downloaded.');
  }
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw unsupported('Send the extract without content encoding.');
  // A declared length over the limit is refused before a byte is parsed; a chunked body is counted as it streams.
  if (Number(req.get('content-length') ?? 0) > REFERENCE_LIMIT.bytes) throw tooLarge(REFERENCE_LIMIT.text);
}

async function withFormatErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ImportFormatError) throw importFormat(err);
    throw err;
  }
}

/** The directory API of SPEC §4: admins change it, admins and the MASH team read it. */
// eslint-disable-next-line max-lines-per-function -- a router: short handlers, registered in order (README, Layout: exceptions)
export function organisationsRouter(deps: OrganisationsRouterDeps): Router {
  const router = Router();
  const auth = dashboardAuth(deps.sessions, deps.now);
  const json = express.json({ limit: '256kb', strict: false, type: () => true });
  const csvText = express.text({ limit: CONTACTS_LIMIT.bytes, type: () => true, defaultCharset: 'utf-8' });

  // Every read and change of the directory is written to the audit log before it happens (SPEC §8):
  // who, which organisation, and for a change what it changes, with the values before and after.
  const audited = (req: Request, action: string, subject: string, detail?: string) =>
    auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: actorOf(req.user!), action, subject, detail });
  const importAudit = (req: Request, source: string) => (changes: OrganisationChange[], counts: Record<string, string | number>) =>
    audited(req, 'directory.import', source, auditDetail(changes, counts));

  router.get('/api/v1/organisations', ...auth('admin', 'mash'), async (req, res) => {
    const errors: FieldError[] = [];
    const type = queryValue(req, 'type', errors);
    const localityGiven = queryValue(req, 'locality', errors);
    if (type !== undefined && !(ORGANISATION_TYPES as readonly string[]).includes(type)) {
      errors.push({ path: 'type', message: `must be one of ${ORGANISATION_TYPES.join(', ')}` });
    }
    const locality = localityGiven === undefined ? undefined : localityByName(localityGiven);
    if (localityGiven !== undefined && locality === undefined) errors.push({ path: 'locality', message: 'is not a known locality' });
    if (errors.length > 0) throw validationProblem(errors, 'The query is not valid.');

    const organisations = await withRedis(() => deps.directory.list({ type: type as OrganisationType | undefined, locality }));
    // The list names every contact: each read is recorded before it is sent.
    await audited(req, 'directory.view', 'organisations', listingDetail({ type, locality }, organisations.length));
    res.json({ organisations: organisations.map(organisationBody) });
  });

  // The imports come before /:type/:id only for readability: their methods differ anyway.
  router.post('/api/v1/organisations/import', ...auth('admin'), async (req, res) => {
    const errors: FieldError[] = [];
    const mode = queryValue(req, 'mode', errors) ?? 'upsert';
    if (errors.length === 0 && !(CONTACTS_IMPORT_MODES as readonly string[]).includes(mode)) {
      errors.push({ path: 'mode', message: `must be one of ${CONTACTS_IMPORT_MODES.join(', ')}` });
    }
    if (errors.length > 0) throw validationProblem(errors, 'The query is not valid.');
    if (!req.is('text/csv')) throw unsupported('Send the contacts file as text/csv.');
    await readBody(csvText, req, res, CONTACTS_LIMIT.text);
    const text = typeof req.body === 'string' ? req.body : '';
    const result = await withFormatErrors(() =>
      importContacts(deps.directory, text, deps.now(), { mode: mode as ContactsImportMode, beforeWrite: importAudit(req, 'contacts') }),
    );
    res.json(result);
  });

  router.post('/api/v1/organisations/import/gias', ...auth('admin'), async (req, res) => {
    const errors: FieldError[] = [];
    const la = queryValue(req, 'la', errors);
    if (la === undefined && errors.length === 0) errors.push({ path: 'la', message: 'is required: the 3-digit local authority code, e.g. 929' });
    else if (la !== undefined && !/^\d{3}$/.test(la)) errors.push({ path: 'la', message: 'must be a 3-digit local authority code, e.g. 929' });
    if (errors.length > 0) throw validationProblem(errors, 'The query is not valid.');
    requireReferenceFile(req);
    const result = await withFormatErrors(() =>
      importGias(deps.directory, limitedBody(req, REFERENCE_LIMIT.bytes), { la: la! }, deps.now(), { beforeWrite: importAudit(req, 'gias') }),
    );
    res.json(result);
  });

  router.post('/api/v1/organisations/import/epraccur', ...auth('admin'), async (req, res) => {
    const errors: FieldError[] = [];
    const commissioner = queryValue(req, 'commissioner', errors)?.toUpperCase();
    if (commissioner !== undefined && !/^[A-Z0-9]{3,5}$/.test(commissioner)) {
      errors.push({ path: 'commissioner', message: 'must be an ODS commissioner code, e.g. 00L' });
    }
    if (errors.length > 0) throw validationProblem(errors, 'The query is not valid.');
    requireReferenceFile(req);
    const result = await withFormatErrors(() =>
      importEpraccur(deps.directory, limitedBody(req, REFERENCE_LIMIT.bytes), { commissioner }, deps.now(), { beforeWrite: importAudit(req, 'epraccur') }),
    );
    res.json(result);
  });

  router.get('/api/v1/organisations/:type/:id', ...auth('admin', 'mash'), async (req, res) => {
    const ref = refOf(req);
    const organisation = await withRedis(() => deps.directory.get(ref.type, ref.id));
    if (!organisation) throw notFound('No organisation with this type and id.');
    await audited(req, 'directory.view', `${ref.type}:${ref.id}`);
    res.json(organisationBody(organisation));
  });

  router.put('/api/v1/organisations/:type/:id', ...auth('admin'), async (req, res) => {
    const ref = refOf(req);
    if (!req.is(['application/json', 'application/*+json'])) throw unsupported('Send the organisation as application/json.');
    await readBody(json, req, res, '256 KiB');
    const parsed = organisationBodySchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const subject = `${ref.type}:${ref.id}`;
    const { organisation, created } = await putOrganisation(deps.directory, ref, parsed.data, deps.now(), (change) => audited(req, 'directory.put', subject, auditDetail([change])));
    if (created) res.status(201).set('Location', `/api/v1/organisations/${ref.type}/${ref.id}`);
    res.json(organisationBody(organisation));
  });

  router.delete('/api/v1/organisations/:type/:id', ...auth('admin'), async (req, res) => {
    const ref = refOf(req);
    const subject = `${ref.type}:${ref.id}`;
    const organisation = await deactivateOrganisation(deps.directory, ref, deps.now(), (change) => audited(req, 'directory.delete', subject, auditDetail([change])));
    if (!organisation) throw notFound('No organisation with this type and id.');
    res.json(organisationBody(organisation));
  });

  return router;
}
