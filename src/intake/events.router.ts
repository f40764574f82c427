import express, { Router, type RequestHandler } from 'express';
import { HttpProblem, notFound, validationProblem } from '../platform/problem';
import { takeRateToken } from '../platform/rate-limit';
import { withRedis, type RedisClient } from '../platform/redis';
import { acceptEvent, type AcceptDeps, type AcceptResult } from './accept-event';
import type { EventStatus } from './event.schema';
import { requireFeed } from './feed-auth';
import { eventUid } from './ids';

export type DeliveryCounts = (eventUid: string) => Promise<Record<string, number>>;

export type EventsRouterDeps = AcceptDeps & {
  redis: RedisClient;
  prefix: string;
  feedKeys: ReadonlyMap<string, string>;
  rateLimitPerSecond: number;
  deliveryCounts: DeliveryCounts;
  now: () => Date;
};

const FINAL = new Set(['sent', 'failed', 'superseded', 'bounced']);

/** SPEC §3 event state: routed events whose deliveries are all final are done. */
export function eventState(state: 'accepted' | 'routed', counts: Record<string, number>): EventStatus['state'] {
  if (state === 'accepted') return 'accepted';
  return Object.entries(counts).every(([status, n]) => n === 0 || FINAL.has(status)) ? 'done' : 'routed';
}

/** The HTTP problem for an event that was not accepted (SPEC §3). */
function problemOf(result: Exclude<AcceptResult, { body: unknown }>): HttpProblem {
  switch (result.outcome) {
    case 'invalid':
      return validationProblem(result.errors);
    case 'conflict':
      return new HttpProblem(409, 'event-conflict', 'Conflict', 'This eventId was already used for an event with other content.');
    case 'not-replicated':
      return new HttpProblem(503, 'not-replicated', 'Service Unavailable', 'The event is not yet safe on a replica; retry with the same eventId.', {
        retryAfterSeconds: 2,
      });
  }
}

/** body-parser reads an empty body as {}; an empty body is not JSON, so it is a 400. */
function rejectEmpty(_req: unknown, _res: unknown, body: Buffer): void {
  if (body.length === 0) throw Object.assign(new Error('empty body'), { type: 'entity.parse.failed' });
}

const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'Send the event as application/json.');
  }
  next();
};

/** The police-facing API of SPEC §3. */
export function eventsRouter(deps: EventsRouterDeps): Router {
  const router = Router();
  const auth = requireFeed(deps.feedKeys);

  const rateLimit: RequestHandler = async (req, _res, next) => {
    const wait = await withRedis(() => takeRateToken(deps.redis, deps.prefix, `feed:${req.feedId}`, deps.rateLimitPerSecond, deps.now().getTime()));
    if (wait > 0) {
      throw new HttpProblem(429, 'rate-limited', 'Too Many Requests', 'This feed is sending too fast; slow down and retry.', {
        retryAfterSeconds: wait,
      });
    }
    next();
  };

  router.post(
    '/api/v1/events',
    auth,
    rateLimit,
    requireJson,
    express.json({ limit: '64kb', strict: false, type: () => true, verify: rejectEmpty }),
    async (req, res) => {
      const result = await acceptEvent(deps, req.feedId!, req.body, deps.now());
      if (!('body' in result)) throw problemOf(result);
      const replay = result.outcome === 'replay';
      res.set('Location', `/api/v1/events/${encodeURIComponent(result.body.eventId)}`);
      if (replay) res.set('Idempotent-Replay', 'true');
      res.status(replay ? 200 : 202).json(result.body);
    },
  );

  router.get('/api/v1/events/:eventId', auth, async (req, res) => {
    const uid = eventUid(req.feedId!, String(req.params.eventId));
    const stored = await withRedis(() => deps.events.get(uid));
    if (!stored) throw notFound('No event with this eventId from this feed.');
    const deliveries = await withRedis(() => deps.deliveryCounts(uid));
    const body: EventStatus = {
      eventId: stored.eventId,
      episodeId: stored.episodeId,
      type: stored.type,
      receivedAt: stored.receivedAt,
      state: eventState(stored.state, deliveries),
      deliveries,
    };
    res.json(body);
  });

  return router;
}
