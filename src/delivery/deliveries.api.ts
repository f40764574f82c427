import { z } from 'zod';
import { named, type ApiOperation } from '../platform/openapi';
import { pageLinks } from '../platform/pagination';
import { csvQuery, listQuery } from './deliveries.router';
import { DELIVERY_STATUSES } from './delivery-status';
import { AUDIENCES } from '../domain/audience';
import { ORGANISATION_TYPES } from '../domain/organisation-ref';

/** One delivery as the tracking API shows it (SPEC §6). */
export const Delivery = named(
  'Delivery',
  z.object({
    deliveryId: z.string(),
    eventId: z.string(),
    episodeId: z.string(),
    kind: z.string().describe('alert, update, found, cancelled or reminder'),
    audience: z.enum(AUDIENCES),
    organisation: z.object({ type: z.enum(ORGANISATION_TYPES), id: z.string(), name: z.string() }).loose(),
    contact: z.object({ name: z.string(), email: z.string(), role: z.string() }),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    sentAt: z.iso.datetime().nullable(),
    acknowledgedAt: z.iso.datetime().nullable(),
    escalatedAt: z.iso.datetime().nullable(),
    acknowledgement: z.object({ inSchoolToday: z.boolean().optional(), note: z.string().optional() }).nullable().optional(),
    history: z.array(z.object({ at: z.iso.datetime(), status: z.string(), detail: z.string() })),
  }),
);

/** SPEC §6: deliveries by status, retry, and the CSV export (dashboard users). */
export const deliveriesApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/deliveries',
    tag: 'Tracking',
    summary: 'Deliveries by status, or those not yet acknowledged, newest first, a page at a time',
    description:
      'Newest first: all by creation time, one status by when they entered it, `unacknowledged=true` by time sent. ' +
      'Follow `next` (or send `nextCursor` as `cursor` with the same filters) for the next page; both are null on the last page.',
    auth: ['session'],
    query: listQuery,
    responses: { 200: { schema: z.object({ deliveries: z.array(Delivery.schema as z.ZodType), ...pageLinks }) } },
    problems: { 403: 'Role may not read deliveries', 422: 'Bad query, limit or cursor' },
  },
  {
    method: 'post',
    path: '/api/v1/deliveries/:deliveryId/retry',
    tag: 'Tracking',
    summary: 'Retry a failed or bounced delivery',
    description: 'Send {} as application/json.',
    auth: ['session'],
    pathParams: { deliveryId: { description: 'The delivery to send again' } },
    body: { schema: z.strictObject({}), required: false },
    responses: { 202: { description: 'Queued again', schema: Delivery } },
    problems: { 403: 'Role may not retry', 404: 'No such delivery', 409: 'The delivery is neither failed nor bounced', 503: 'The audit log cannot be written: nothing was retried' },
  },
  {
    method: 'get',
    path: '/api/v1/deliveries.csv',
    tag: 'Tracking',
    summary: 'Deliveries created in a period, as CSV (default: the last 30 days)',
    description: 'Oldest first; streamed a page at a time, so a long period costs no more memory than a short one.',
    auth: ['session'],
    query: csvQuery,
    responses: { 200: { contentType: 'text/csv', schema: { type: 'string' }, description: 'One row a delivery' } },
    problems: { 403: 'Role may not export', 422: 'Bad period' },
  },
];
