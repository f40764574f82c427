import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { moduleLogger } from './logger';

const log = moduleLogger('http');

/**
 * A caller's request id is kept when it is sane: a UUID, or 16 to 64 hex digits (a W3C trace or
 * span id). Nothing looser, since it goes into every log line of the request, and a free-form id
 * could carry a child's name there (found by an outside probe).
 */
const SANE_REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
  }
}

/** What one finished request reports: the figures of SPEC §3's log line. */
export type RequestOutcome = {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  feedId?: string;
  userId?: string;
  /** Set by the error middleware when Redis refused: `down` or `oom`. */
  redisUnavailable?: 'down' | 'oom';
};

/**
 * The route pattern, never the raw URL: `/api/v1/episodes/:episodeId`, not the id, and never
 * a query string. A request no route matched is `(unmatched)`, so a probe of random paths
 * cannot write its path into the log.
 */
export function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : '(unmatched)';
}

/**
 * SPEC §3: `X-Request-Id` on every response, and every request logged once when its answer
 * is finished (or the client went away): method, route pattern, status, duration, request id,
 * feed or user id. Built on the module logger rather than pino-http, whose request serializer
 * logs the URL with its query string and the headers: writing serializers to strip those is
 * this middleware. Headers, cookies, bodies and query strings are never read into the line.
 * `onOutcome` lets the wiring count answers (metrics) from the same figures.
 */
export function requestLog(onOutcome: (outcome: RequestOutcome) => void = () => undefined): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const presented = req.get('x-request-id');
    const requestId = presented && SANE_REQUEST_ID.test(presented) ? presented : randomUUID();
    req.requestId = requestId;
    res.set('X-Request-Id', requestId);
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const outcome = outcomeOf(req, res, requestId, Number(process.hrtime.bigint() - started) / 1e6);
      const level = outcome.status >= 500 ? 'warn' : 'info';
      const { redisUnavailable, ...fields } = outcome;
      log[level]({ ...fields, ...(redisUnavailable ? { redisUnavailable } : {}), aborted: !res.writableFinished || undefined }, 'request');
      onOutcome(outcome);
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}

function outcomeOf(req: Request, res: Response, requestId: string, durationMs: number): RequestOutcome {
  // Set by the stages' guards; read loosely so that platform imports no stage.
  const { user, feedId } = req as { user?: { id?: unknown }; feedId?: unknown };
  const redisUnavailable = res.locals.redisUnavailable as RequestOutcome['redisUnavailable'];
  return {
    method: req.method,
    route: routePattern(req),
    status: res.statusCode,
    durationMs: Math.round(durationMs * 10) / 10,
    requestId,
    ...(typeof feedId === 'string' ? { feedId } : {}),
    ...(typeof user?.id === 'string' ? { userId: user.id } : {}),
    ...(redisUnavailable ? { redisUnavailable } : {}),
  };
}
