import { z } from 'zod';
import { named, type ApiOperation } from '../platform/openapi';
import { organisationBodySchema } from './directory.service';
import { CONTACT_ROLES } from './organisation';
import { ORGANISATION_TYPES } from '../domain/organisation-ref';

const Organisation = named(
  'Organisation',
  z.object({
    type: z.enum(ORGANISATION_TYPES),
    id: z.string().describe('URN (school) or ODS code (GP practice)'),
    name: z.string(),
    locality: z.string().nullable(),
    postcode: z.string().nullable(),
    active: z.boolean(),
    receivesAreaAlerts: z.boolean(),
    deactivatedBy: z.enum(['admin', 'import']).nullable(),
    contacts: z.array(z.object({ contactId: z.string(), name: z.string(), email: z.string(), role: z.enum(CONTACT_ROLES), active: z.boolean() })),
    updatedAt: z.iso.datetime(),
  }),
);
const rejected = z.array(z.object({ line: z.number().int(), reason: z.string() }));
const ContactsImport = named('ContactsImportResult', z.object({ created: z.number().int(), updated: z.number().int(), rejected }));
const ReferenceImport = named(
  'ReferenceImportResult',
  z.object({ created: z.number().int(), updated: z.number().int(), deactivated: z.number().int(), rejected }),
);
const ref = {
  type: { description: 'school or gp', schema: z.enum(ORGANISATION_TYPES) },
  id: { description: 'URN (6 digits) for a school, ODS code (a letter and 5 digits) for a GP practice' },
};
const csv = (description: string) => ({ contentType: 'text/csv', schema: { type: 'string' }, description });
/** Every read and change of the directory is audited first (SPEC §8): no entry, no answer and no change. */
const AUDIT_UNAVAILABLE = { 503: 'The audit log cannot be written: nothing was read out or changed' };
const importProblems = { 413: 'File too large', 415: 'Wrong content type', 422: 'The file or query is not valid', ...AUDIT_UNAVAILABLE };

/** SPEC §4: the directory of schools and GP practices (admin writes; mash reads). */
export const organisationsApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/organisations',
    tag: 'Directory',
    summary: 'List organisations',
    auth: ['session'],
    query: z.strictObject({
      type: z.enum(ORGANISATION_TYPES).optional(),
      locality: z.string().optional().describe('A configured locality, e.g. Morpeth'),
    }),
    responses: { 200: { schema: z.object({ organisations: z.array(Organisation.schema as z.ZodType) }) } },
    problems: { 403: 'Role may not read the directory', 422: 'Bad query', ...AUDIT_UNAVAILABLE },
  },
  {
    method: 'post',
    path: '/api/v1/organisations/import',
    tag: 'Directory',
    summary: 'Import contacts (CSV)',
    description: 'One row a contact: type, id, name, locality, contact_name, contact_email, contact_role, area_alerts. Valid rows are upserted.',
    auth: ['session'],
    body: csv('The contacts file'),
    responses: { 200: { schema: ContactsImport } },
    problems: { 403: 'Admins only', ...importProblems },
  },
  {
    method: 'post',
    path: '/api/v1/organisations/import/gias',
    tag: 'Directory',
    summary: 'Import schools from a GIAS establishments extract',
    auth: ['session'],
    query: z.strictObject({ la: z.string().regex(/^\d{3}$/).describe('3-digit local authority code, e.g. 929') }),
    body: csv('A GIAS establishments CSV (UTF-8 or Windows-1252)'),
    responses: { 200: { schema: ReferenceImport } },
    problems: { 403: 'Admins only', ...importProblems },
  },
  {
    method: 'post',
    path: '/api/v1/organisations/import/epraccur',
    tag: 'Directory',
    summary: 'Import GP practices from the ODS epraccur file',
    auth: ['session'],
    query: z.strictObject({ commissioner: z.string().regex(/^[A-Z0-9]{3,5}$/).optional().describe('ODS commissioner code, e.g. 00L') }),
    body: csv('The epraccur CSV'),
    responses: { 200: { schema: ReferenceImport } },
    problems: { 403: 'Admins only', ...importProblems },
  },
  {
    method: 'get',
    path: '/api/v1/organisations/:type/:id',
    tag: 'Directory',
    summary: 'One organisation with its contacts',
    auth: ['session'],
    pathParams: ref,
    responses: { 200: { schema: Organisation } },
    problems: { 403: 'Role may not read the directory', 404: 'No such organisation', 422: 'Bad type or id', ...AUDIT_UNAVAILABLE },
  },
  {
    method: 'put',
    path: '/api/v1/organisations/:type/:id',
    tag: 'Directory',
    summary: 'Create or replace an organisation',
    auth: ['session'],
    pathParams: ref,
    body: { schema: named('OrganisationBody', organisationBodySchema) },
    responses: { 200: { description: 'Replaced', schema: Organisation }, 201: { description: 'Created', schema: Organisation } },
    problems: { 403: 'Admins only', 409: 'Kept changing meanwhile; nothing written, try again', 415: 'Not JSON', 422: 'Fails the schema', ...AUDIT_UNAVAILABLE },
  },
  {
    method: 'delete',
    path: '/api/v1/organisations/:type/:id',
    tag: 'Directory',
    summary: 'Deactivate an organisation (its history is kept)',
    auth: ['session'],
    pathParams: ref,
    responses: { 200: { schema: Organisation } },
    problems: { 403: 'Admins only', 404: 'No such organisation', 409: 'Kept changing meanwhile; nothing written, try again', ...AUDIT_UNAVAILABLE },
  },
];
