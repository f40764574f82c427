import type { ApiOperation } from '../platform/openapi';
import { named } from '../platform/openapi';
import { acceptedBodySchema, eventSchema, eventStatusSchema } from './event.schema';

/** One example of each event type (fictional), checked against the schema by a test. */
export const EVENT_EXAMPLES = {
  reported: {
    summary: 'missing.reported: a child reported missing',
    value: {
      eventId: 'np-2026-000123-1',
      type: 'missing.reported',
      occurredAt: '2026-11-27T09:00:00Z',
      policeReference: 'NP-2026-000123',
      child: {
        givenName: 'Sample',
        familyName: 'Fictional',
        dateOfBirth: '2013-05-14',
        gender: 'female',
        schoolUrn: '990001',
        gpOdsCode: 'Y90001',
        postcodeDistrict: 'NE61',
        lookedAfter: false,
        description: 'Slim build, dark hair, green school coat.',
      },
      risk: 'high',
      missingFrom: 'home',
      lastSeen: { at: '2026-11-27T08:15:00Z', area: 'Morpeth town centre' },
      concerns: ['cse'],
      contact: { name: 'PC Example', phone: '101', email: 'mispers@police.example' },
    },
  },
  updated: {
    summary: 'missing.updated: new risk and a note',
    value: {
      eventId: 'np-2026-000123-2',
      type: 'missing.updated',
      occurredAt: '2026-11-27T11:30:00Z',
      policeReference: 'NP-2026-000123',
      risk: 'medium',
      note: 'Sighting reported near the bus station.',
    },
  },
  found: {
    summary: 'missing.found: the child is found',
    value: {
      eventId: 'np-2026-000123-3',
      type: 'missing.found',
      occurredAt: '2026-11-27T15:05:00Z',
      policeReference: 'NP-2026-000123',
      foundAt: '2026-11-27T15:00:00Z',
    },
  },
  cancelled: {
    summary: 'missing.cancelled: the report is withdrawn',
    value: {
      eventId: 'np-2026-000124-2',
      type: 'missing.cancelled',
      occurredAt: '2026-11-27T10:00:00Z',
      policeReference: 'NP-2026-000124',
      reason: 'Report made in error.',
    },
  },
} as const;

const Accepted = named('Accepted', acceptedBodySchema);

/** SPEC §3: the police-facing intake API. */
export const eventsApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/events',
    tag: 'Intake',
    summary: 'Post a missing-episode event',
    description:
      'One event as JSON (at most 64 KiB). The 202 is sent once the event is safe in Redis. Posting the same eventId again with the same content is a replay (200, Idempotent-Replay: true); nothing is sent twice.',
    auth: ['feedKey'],
    body: { schema: named('Event', eventSchema), examples: EVENT_EXAMPLES },
    responses: {
      202: { description: 'Accepted and durably queued', schema: Accepted, headers: { Location: 'The event: /api/v1/events/{eventId}' } },
      200: { description: 'A replay of an accepted event', schema: Accepted, headers: { 'Idempotent-Replay': 'true' } },
    },
    problems: {
      400: 'Malformed JSON',
      409: 'eventId reused with other content',
      413: 'Body over 64 KiB',
      415: 'Not JSON',
      422: 'Fails the schema; errors[] lists the paths',
      429: 'Too many requests from this feed; see Retry-After',
      503: 'Storage unreachable or full; retry with the same eventId after Retry-After',
    },
  },
  {
    method: 'get',
    path: '/api/v1/events/:eventId',
    tag: 'Intake',
    summary: 'State of an event and counts of its deliveries by status',
    auth: ['feedKey'],
    pathParams: { eventId: { description: 'The eventId the feed posted' } },
    responses: { 200: { description: 'The event', schema: named('EventStatus', eventStatusSchema) } },
    problems: { 404: 'No such event from this feed', 503: 'Storage unreachable; retry later' },
  },
];
