import type { ErrorRequestHandler, Response } from 'express';
import { moduleLogger } from './logger';
import { RedisUnavailableError } from './redis';

const log = moduleLogger('http');

export type FieldError = { path: string; message: string };

/** An RFC 9457 problem. Routers throw these; the error middleware writes them. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
  }
}

export const validationProblem = (errors: FieldError[], detail = 'The request does not match the schema.') =>
  new HttpProblem(422, 'validation-error', 'Unprocessable Content', detail, { errors });

export const notFound = (detail = 'No such resource.') => new HttpProblem(404, 'not-found', 'Not Found', detail);

export function sendProblem(res: Response, problem: HttpProblem): void {
  if (problem.extra.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.extra.retryAfterSeconds));
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:endeavor:problem:${problem.slug}`,
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
      }),
    );
}

/** body-parser's error types, mapped to the statuses of SPEC §3. */
function fromBodyParser(err: { type?: string; status?: number }): HttpProblem | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpProblem(413, 'payload-too-large', 'Content Too Large', 'The body must be at most 64 KiB.');
    case 'entity.parse.failed':
      return new HttpProblem(400, 'malformed-json', 'Bad Request', 'The body is not valid JSON.');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'Send UTF-8 JSON without content encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem(400, 'bad-request', 'Bad Request', 'The request body could not be read.');
    default:
      return undefined;
  }
}

/** The one error middleware: every failure becomes a problem; a stack trace never leaves the process. */
export const problemMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  let problem: HttpProblem;
  if (err instanceof HttpProblem) problem = err;
  else if (err instanceof RedisUnavailableError) {
    // Full (OOM) or away, the caller's answer is the same: retry later (a feed, with the same eventId).
    res.locals.redisUnavailable = err.reason;
    log.warn({ path: req.route?.path, method: req.method, reason: err.reason, requestId: req.requestId }, 'redis unavailable');
    const posting = req.method === 'POST' && req.route?.path === '/api/v1/events';
    problem = new HttpProblem(503, 'unavailable', 'Service Unavailable', posting ? 'Storage is unreachable; retry with the same eventId.' : 'Storage is unreachable; retry later.', {
      retryAfterSeconds: 5,
    });
  } else {
    const fromParser = fromBodyParser(err as { type?: string });
    if (fromParser) problem = fromParser;
    else if (typeof (err as { status?: number }).status === 'number' && (err as { status: number }).status < 500) {
      const status = (err as { status: number }).status;
      problem = new HttpProblem(status, 'bad-request', 'Bad Request', 'The request could not be processed.');
    } else {
      log.error({ err: { name: (err as Error).name, stack: (err as Error).stack }, method: req.method }, 'unhandled error');
      problem = new HttpProblem(500, 'internal-error', 'Internal Server Error', 'Something went wrong; it has been logged.');
    }
  }
  sendProblem(res, problem);
};
