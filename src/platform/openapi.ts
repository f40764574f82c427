import { z } from 'zod';

/*
 * The OpenAPI registry (SPEC §3). Each stage declares its operations in an `*.api.ts` file next
 * to its router, with the very zod schemas the router validates with; src/api-document.ts lists
 * those files and this module assembles the one document. Adding a route is one entry in the
 * stage's list; test/integration/operations/openapi.test.ts fails while a route is missing.
 */

type JsonSchema = Record<string, unknown>;

/** A schema shared by several operations: it goes to components.schemas and is referenced. */
export type NamedSchema = { readonly componentName: string; readonly schema: z.ZodType | JsonSchema };
export const named = (componentName: string, schema: z.ZodType | JsonSchema): NamedSchema => ({ componentName, schema });

export type ApiSchema = z.ZodType | NamedSchema | JsonSchema;

/** How a caller proves who it is: a police feed's key, or a dashboard user's session cookie. */
export type ApiAuth = 'feedKey' | 'session';

export type ApiContent = {
  /** Default application/json. */
  contentType?: string;
  schema?: ApiSchema;
  description?: string;
  examples?: Record<string, { summary: string; value: unknown }>;
};

export type ApiOperation = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The Express pattern, as the router declares it: `/api/v1/events/:eventId`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Any one of these is enough; empty = no authentication. */
  auth: readonly ApiAuth[];
  /** Descriptions (and schemas) of the `:name` segments; each is a required string otherwise. */
  pathParams?: Record<string, { description: string; schema?: ApiSchema }>;
  /** The query schema the router validates with (a zod object): one parameter per key. */
  query?: z.ZodObject;
  body?: ApiContent & { required?: boolean };
  /** Successful answers by status. */
  responses: Record<number, ApiContent & { headers?: Record<string, string> }>;
  /** Problem (RFC 9457) answers by status, with what they mean here. */
  problems?: Record<number, string>;
};

export type DocumentOptions = {
  title: string;
  version: string;
  description: string;
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
};

const toJson = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as JsonSchema;
  return rest;
};

const isNamed = (s: ApiSchema): s is NamedSchema => typeof (s as NamedSchema).componentName === 'string';
const isZod = (s: unknown): s is z.ZodType => s instanceof z.ZodType;

const PROBLEM = named(
  'Problem',
  z.object({
    type: z.string().describe('urn:endeavor:problem:<slug>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('422 only: the fields that failed'),
  }),
);

/** Express `:name` → OpenAPI `{name}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

type Ref = (schema: ApiSchema) => JsonSchema;

const contentOf = (c: ApiContent, ref: Ref) => ({
  [c.contentType ?? 'application/json']: {
    ...(c.schema ? { schema: ref(c.schema) } : {}),
    ...(c.examples ? { examples: c.examples } : {}),
  },
});

/** Path parameters (from `:name`) then query parameters (from the zod shape). */
function parametersOf(op: ApiOperation, ref: Ref): unknown[] {
  const pathParams = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: op.pathParams?.[name!]?.description ?? name,
    schema: op.pathParams?.[name!]?.schema ? ref(op.pathParams[name!]!.schema!) : { type: 'string' },
  }));
  const queryParams = Object.entries(op.query?.shape ?? {}).map(([name, schema]) => {
    const zod = schema as z.ZodType;
    return {
      name,
      in: 'query',
      required: !zod.safeParse(undefined).success,
      ...(zod.description ? { description: zod.description } : {}),
      schema: toJson(zod),
    };
  });
  return [...pathParams, ...queryParams];
}

/** The operation's answers, then its problems (a 401 for every authenticated one). */
function responsesOf(op: ApiOperation, ref: Ref): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(op.responses)) {
    responses[status] = {
      description: response.description ?? 'OK',
      ...(response.headers ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
      ...(response.schema || response.examples ? { content: contentOf(response, ref) } : {}),
    };
  }
  const problems: Record<number, string> = { ...op.problems };
  if (op.auth.length > 0) problems[401] ??= op.auth.includes('session') ? 'Not signed in (or a wrong feed key)' : 'No or wrong feed key';
  for (const [status, description] of Object.entries(problems)) {
    responses[status] = {
      description,
      ...(status === '429' || status === '503' ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } } : {}),
      content: { 'application/problem+json': { schema: ref(PROBLEM) } },
    };
  }
  return responses;
}

/** Assembles the OpenAPI 3.1 document from every stage's operations. */
export function openApiDocument(operations: readonly ApiOperation[], options: DocumentOptions): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  const ref: Ref = (schema) => {
    if (isNamed(schema)) {
      components[schema.componentName] ??= isZod(schema.schema) ? toJson(schema.schema) : schema.schema;
      return { $ref: `#/components/schemas/${schema.componentName}` };
    }
    return isZod(schema) ? toJson(schema) : schema;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    // In this order, so the components come out in the order they always have.
    const parameters = parametersOf(op, ref);
    const responses = responsesOf(op, ref);
    const path = (paths[openApiPath(op.path)] ??= {});
    path[op.method] = {
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      security: op.auth.length === 0 ? [] : op.auth.map((a) => ({ [a]: [] })),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: op.body.required ?? true, ...(op.body.description ? { description: op.body.description } : {}), content: contentOf(op.body, ref) } } : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description: options.description,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: options.servers,
    tags: options.tags,
    paths,
    components: {
      securitySchemes: {
        feedKey: { type: 'http', scheme: 'bearer', description: 'A police feed key (INTAKE_API_KEYS), sent as Authorization: Bearer <key>.' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'endeavor_session',
          description: 'The session cookie set by POST /api/v1/session (dashboard users).',
        },
      },
      schemas: components,
    },
  };
}
