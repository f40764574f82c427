import { accessApi } from './access/access.api';
import { sessionApi } from './access/session.api';
import { deliveriesApi } from './delivery/deliveries.api';
import { organisationsApi } from './directory/organisations.api';
import { episodesApi } from './episodes/episodes.api';
import { eventsApi } from './intake/events.api';
import { mailSinkApi } from './platform/mail-sink.api';
import { reportsApi } from './reports/reports.api';
import { openApiDocument, type ApiOperation } from './platform/openapi';

/** The document itself is an operation of the API. */
const documentApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'Reference',
    summary: 'This OpenAPI 3.1 document',
    auth: [],
    responses: { 200: { schema: { type: 'object' } } },
  },
];

/**
 * Every `/api/v1` operation, stage by stage: a new route is one entry in its stage's `*.api.ts`
 * list (or one more list here). The route-walk test fails while a route is missing.
 */
export const API_OPERATIONS: readonly ApiOperation[] = [
  ...eventsApi,
  ...episodesApi,
  ...deliveriesApi,
  ...organisationsApi,
  ...sessionApi,
  ...accessApi,
  ...mailSinkApi,
  ...reportsApi,
  ...documentApi,
];

/** SPEC §3: the OpenAPI document served at /api/v1/openapi.json and rendered at /api/docs. */
export function apiDocument(publicBaseUrl: string): Record<string, unknown> {
  return openApiDocument(API_OPERATIONS, {
    title: 'Endeavor Dispatch API',
    version: '1.0.0',
    description:
      'Missing-child alerts for schools and GP practices (Operation Endeavor). Police feeds post events with their feed key; dashboard users sign in for the tracking and directory API. Errors are RFC 9457 problems (application/problem+json); every response carries X-Request-Id.',
    servers: [{ url: publicBaseUrl, description: 'This deployment (PUBLIC_BASE_URL)' }],
    tags: [
      { name: 'Intake', description: 'Police feeds (SPEC §3)' },
      { name: 'Tracking', description: 'Episodes and deliveries (SPEC §6)' },
      { name: 'Directory', description: 'Schools, GP practices and their contacts (SPEC §4)' },
      { name: 'Session', description: 'Sign-in for scripts (SPEC §8)' },
      { name: 'Access', description: 'Dashboard users, passwords and TOTP (SPEC §8)' },
      { name: 'Development', description: 'The embedded development mail sink (SPEC §9)' },
      { name: 'Reports', description: 'Figures for the safeguarding partnership (SPEC §13)' },
      { name: 'Reference', description: 'This document' },
    ],
  });
}
