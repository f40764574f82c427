import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env';
import type { EventStore } from './intake/event.store';
import { eventsRouter, type DeliveryCounts } from './intake/events.router';
import { openApiDocument } from './intake/openapi';
import { healthRouter } from './platform/health.router';
import { HttpProblem, problemMiddleware } from './platform/problem';
import type { Queues } from './platform/queues';

export type AppDeps = {
  config: Config;
  /** The fail-fast connection for request handling. */
  redis: Redis;
  queues: Queues;
  events: EventStore;
  deliveryCounts: DeliveryCounts;
  now?: () => Date;
};

/** Express wiring only: every route's behaviour lives in its stage. */
export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? (() => new Date());
  const prefix = deps.config.queuePrefix;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use(healthRouter({ redis: deps.redis, prefix, now }));
  const openapi = openApiDocument();
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(
    eventsRouter({
      redis: deps.redis,
      prefix,
      feedKeys: deps.config.feedKeys,
      rateLimitPerSecond: deps.config.intakeRateLimitPerSecond,
      events: deps.events,
      fanout: deps.queues.fanout,
      deliveryCounts: deps.deliveryCounts,
      now,
    }),
  );

  app.use((_req, _res) => {
    throw new HttpProblem(404, 'not-found', 'Not Found', 'No such resource.');
  });
  app.use(problemMiddleware);
  return app;
}
