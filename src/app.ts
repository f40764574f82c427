import { readFileSync } from 'node:fs';
import express, { type Express } from 'express';
import type { RedisClient } from './platform/redis';
import type { Config } from '../config/env';
import { accountRouter } from './dashboard/account.router';
import { oidcClient } from './access/oidc';
import { oidcRouter } from './dashboard/oidc.router';
import { signInService } from './access/sign-in';
import { signInLimits } from './access/sign-in-limits';
import { totpCipher } from './access/totp';
import { totpEnrolment } from './access/totp-enrolment';
import { userAdmin } from './access/user-admin';
import { usersRouter } from './access/users.router';
import { ackRouter } from './ack/ack.router';
import { apiDocument } from './api-document';
import { dashboardAuth } from './access/auth';
import { loginRouter } from './dashboard/login.router';
import { pagesRouter } from './dashboard/pages.router';
import { reportPagesRouter } from './dashboard/reports.pages';
import { sessionRouter } from './access/session.router';
import { viewerAuth } from './access/viewer';
import { deliveriesRouter } from './delivery/deliveries.router';
import { deliveryBacklogGauges } from './delivery/delivery-gauges';
import { organisationsRouter } from './directory/organisations.router';
import { episodesRouter } from './episodes/episodes.router';
import { eventsRouter } from './intake/events.router';
import { renderApiDocs } from './platform/api-docs';
import { reportsRouter } from './reports/reports.router';
import { healthRouter } from './platform/health.router';
import { pipelineMetrics, processMetrics } from './platform/metrics';
import { metricsRouter } from './platform/metrics.router';
import { queueGauges } from './platform/queue-gauges';
import { requestLog } from './platform/request-log';
import type { MailSink } from './platform/mail-sink';
import { HttpProblem, problemMiddleware } from './platform/problem';
import { securityHeaders } from './platform/security-headers';
import type { Queues } from './platform/queues';
import type { Stores } from './stores';
import { actorOf } from './access/actor';
import { auditBeforeAnswer } from './access/audit.store';

export type AppDeps = {
  config: Config;
  /** The fail-fast connection for request handling. */
  redis: RedisClient;
  queues: Queues;
  stores: Stores;
  /** Signs acknowledgement links and their forms. */
  secret: string;
  /** The embedded development mail sink, when there is one (SPEC §9). */
  mailSink?: MailSink;
  now?: () => Date;
  /** Tests only: lets single sign-on talk to an http:// provider on 127.0.0.1. Ignored in strict mode. */
  oidcAllowInsecureRequests?: boolean;
};

const CSS = readFileSync(new URL('./platform/assets/app.css', import.meta.url));

/** Express wiring only: every route's behaviour lives in its stage. */
// eslint-disable-next-line max-lines-per-function -- wiring, read top to bottom as the list of what is mounted (README, Layout: exceptions)
export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? (() => new Date());
  const { config, stores } = deps;
  const prefix = config.queuePrefix;
  // Strict mode always (SPEC §2); in development only behind https, or a browser drops them.
  const secureCookies = config.production || config.publicBaseUrl.startsWith('https:');
  const app = express();
  app.disable('x-powered-by');
  // SPEC §2 TRUST_PROXY: unset = the socket's address; else X-Forwarded-For through those proxies only.
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  app.use(securityHeaders({ strict: config.production }));

  const ownMetrics = processMetrics();
  app.use(
    requestLog((outcome) => {
      if (outcome.route === '/api/v1/events' && outcome.method === 'POST') ownMetrics.intakeResponse(outcome.feedId ?? 'none', outcome.status);
      if (outcome.redisUnavailable) ownMetrics.redisUnavailable(outcome.redisUnavailable, 'api');
    }),
  );
  app.use(healthRouter({ redis: deps.redis, prefix, now }));
  app.use(
    metricsRouter({
      token: config.metricsToken,
      redis: deps.redis,
      prefix,
      process: ownMetrics,
      gauges: async () => [
        ...(await queueGauges(deps.queues, deps.redis, prefix, now().getTime())),
        ...(await deliveryBacklogGauges(stores.deliveries, now().getTime())),
      ],
    }),
  );
  // Browsers ask for it on every page; there is none, and a JSON 404 would be noise.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.get('/assets/app.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CSS);
  });
  const openapi = apiDocument(config.publicBaseUrl);
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const apiReference = renderApiDocs(openapi);
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(apiReference);
  });
  app.use(
    eventsRouter({
      redis: deps.redis,
      prefix,
      feedKeys: config.feedKeys,
      rateLimitPerSecond: config.intakeRateLimitPerSecond,
      events: stores.events,
      fanout: deps.queues.fanout,
      waitReplicas: config.redisWaitReplicas,
      deliveryCounts: (uid) => stores.deliveries.countsOfEvent(uid),
      now,
    }),
  );
  const cipher = totpCipher(deps.secret);
  const signIn = signInService({
    users: stores.users,
    sessions: stores.sessions,
    audit: stores.audit,
    limits: signInLimits(deps.redis, prefix),
    cipher,
    requireTotp: config.production,
    now,
  });
  app.use(sessionRouter({ signIn, secureCookies }));
  const access = userAdmin({ users: stores.users, sessions: stores.sessions, audit: stores.audit, limits: signInLimits(deps.redis, prefix), now });
  app.use(usersRouter({ users: stores.users, admin: access, auth: dashboardAuth(stores.sessions, now) }));
  app.use(organisationsRouter({ directory: stores.directory, sessions: stores.sessions, audit: stores.audit, now }));
  app.use(
    episodesRouter({
      episodes: stores.episodes,
      events: stores.events,
      deliveries: stores.deliveries,
      audit: stores.audit,
      viewer: viewerAuth({ feedKeys: config.feedKeys, sessions: stores.sessions, now }),
      now,
    }),
  );
  const staff = dashboardAuth(stores.sessions, now)('admin', 'mash');
  app.use(
    deliveriesRouter({
      deliveries: stores.deliveries,
      deliver: deps.queues.deliver,
      audit: stores.audit,
      staff,
      attempts: config.retry.attempts,
      now,
    }),
  );
  app.use(reportsRouter({ stores, staff, now }));
  if (deps.mailSink) {
    const sink = deps.mailSink;
    app.get('/api/v1/dev/mail', ...staff, async (req, res) => {
      await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: actorOf(req.user!), action: 'dev-mail.view', subject: 'sink' });
      res.json({ messages: sink.messages() });
    });
  }
  app.use(
    ackRouter({
      redis: deps.redis,
      prefix,
      deliveries: stores.deliveries,
      episodes: stores.episodes,
      notify: deps.queues.notify,
      secret: deps.secret,
      now,
      metrics: pipelineMetrics(deps.redis, prefix),
    }),
  );

  app.use(loginRouter({ signIn, sessions: stores.sessions, secureCookies, sso: config.oidc !== undefined, now }));
  if (config.oidc) {
    const oidc = oidcClient(config.oidc, {
      redis: deps.redis,
      prefix,
      redirectUri: `${config.publicBaseUrl}/auth/oidc/callback`,
      allowInsecureRequests: deps.oidcAllowInsecureRequests === true && !config.production,
    });
    app.use(oidcRouter({ oidc, signIn, publicBaseUrl: config.publicBaseUrl, secureCookies }));
  }
  app.use(
    accountRouter({
      users: stores.users,
      sessions: stores.sessions,
      admin: access,
      enrolment: totpEnrolment({ users: stores.users, sessions: stores.sessions, audit: stores.audit, cipher, now }),
      secureCookies,
      totpRequired: config.production,
      hasMail: deps.mailSink !== undefined,
      now,
    }),
  );
  app.use(reportPagesRouter({ stores, hasMail: deps.mailSink !== undefined, now }));
  app.use(
    pagesRouter({
      redis: deps.redis,
      prefix,
      stores,
      queues: deps.queues,
      ...(deps.mailSink ? { mailSink: deps.mailSink } : {}),
      ackDeadlineSeconds: config.ackDeadlineSeconds,
      schoolHours: config.schoolHours,
      retryAttempts: config.retry.attempts,
      now,
    }),
  );

  app.use((_req, _res) => {
    throw new HttpProblem(404, 'not-found', 'Not Found', 'No such resource.');
  });
  app.use(problemMiddleware);
  return app;
}
