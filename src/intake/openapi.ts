import { z } from 'zod';
import { acceptedBodySchema, eventSchema, eventStatusSchema, problemSchema } from './event.schema';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** OpenAPI 3.1, generated from the very schemas that validate requests (SPEC §3). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Endeavor Dispatch intake API', version: '1.0.0' },
    components: {
      securitySchemes: { feedKey: { type: 'http', scheme: 'bearer', description: 'A police feed key (INTAKE_API_KEYS)' } },
      schemas: {
        Event: schema(eventSchema),
        Accepted: schema(acceptedBodySchema),
        EventStatus: schema(eventStatusSchema),
        Problem: schema(problemSchema),
      },
    },
    security: [{ feedKey: [] }],
    paths: {
      '/api/v1/events': {
        post: {
          summary: 'Post a missing-episode event',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Event' } } } },
          responses: {
            '202': { description: 'Accepted and durably queued', content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
            '200': { description: 'A replay of an accepted event (Idempotent-Replay: true)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
            '400': problemResponse('Malformed JSON'),
            '401': problemResponse('No or wrong feed key'),
            '409': problemResponse('eventId reused with other content'),
            '413': problemResponse('Body over 64 KiB'),
            '415': problemResponse('Not JSON'),
            '422': problemResponse('Fails the schema; errors[] lists paths'),
            '429': problemResponse('Too many requests from this feed; see Retry-After'),
            '503': problemResponse('Storage unreachable; retry with the same eventId after Retry-After'),
          },
        },
      },
      '/api/v1/events/{eventId}': {
        get: {
          summary: 'State of an event and counts of its deliveries by status',
          parameters: [{ name: 'eventId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The event', content: { 'application/json': { schema: { $ref: '#/components/schemas/EventStatus' } } } },
            '401': problemResponse('No or wrong feed key'),
            '404': problemResponse('No such event from this feed'),
          },
        },
      },
    },
  };
}
