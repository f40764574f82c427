import { z } from 'zod';
import { Delivery } from '../delivery/deliveries.api';
import { EVENT_TYPES } from '../intake/event.schema';
import { named, type ApiOperation } from '../platform/openapi';
import { pageLinks } from '../platform/pagination';
import { listQuery } from './episodes.router';
import { RISKS } from '../domain/risk';
import { ORGANISATION_TYPES } from '../domain/organisation-ref';

const organisationRef = z.object({ type: z.enum(ORGANISATION_TYPES), id: z.string() });
const episodeFields = {
  episodeId: z.string(),
  feedId: z.string(),
  policeReference: z.string(),
  state: z.enum(['open', 'found', 'cancelled']),
  risk: z.enum(RISKS).nullable(),
  openedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  foundAt: z.iso.datetime().nullable(),
  returnInterviewDueAt: z.iso.datetime().nullable().describe('foundAt + 72 hours'),
  unroutable: z.array(organisationRef),
  locality: z.string().nullable(),
  directGaps: z.object({ inactive: z.array(organisationRef), noActiveContacts: z.array(organisationRef) }),
  events: z.array(z.object({ eventId: z.string(), type: z.enum(EVENT_TYPES), occurredAt: z.string(), receivedAt: z.iso.datetime() })),
  deliveries: z.array(Delivery.schema as z.ZodType),
};
const Episode = named('Episode', z.object(episodeFields).loose());
const counts = z.record(z.string(), z.number().int()).describe('deliveries, reached, failed, pending, acknowledged, escalated, directAlerts, directAcknowledged');

/** SPEC §6: episodes with their events and deliveries (dashboard users; a feed sees its own). */
export const episodesApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/episodes',
    tag: 'Tracking',
    summary: 'Episodes, optionally by state, newest opened first, a page at a time',
    description: 'Follow `next` (or send `nextCursor` as `cursor` with the same filters) for the next page; both are null on the last page.',
    auth: ['session', 'feedKey'],
    query: listQuery,
    responses: { 200: { schema: z.object({ episodes: z.array(z.object({ ...episodeFields, counts }).loose()), ...pageLinks }) } },
    problems: { 422: 'Bad query, limit or cursor' },
  },
  {
    method: 'get',
    path: '/api/v1/episodes/:episodeId',
    tag: 'Tracking',
    summary: 'One episode with its events and every delivery and its history',
    description: 'Each view is written to the audit log.',
    auth: ['session', 'feedKey'],
    pathParams: { episodeId: { description: 'ep_ and 24 hex digits' } },
    responses: { 200: { schema: Episode } },
    problems: { 404: 'No such episode (or not this feed’s)' },
  },
];
