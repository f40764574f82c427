import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { generate, generateSecret } from 'otplib';
import { inject } from 'vitest';
import { totpCipher } from '../../src/access/totp';
import { loadConfig, type Config } from '../../config/env';
import { createApp } from '../../src/app';
import { createStores, type Stores } from '../../src/stores';
import type { SessionStore } from '../../src/access/sessions.store';
import type { Role, UserStore } from '../../src/access/users.store';
import type { DirectoryStore } from '../../src/directory/directory.store';
import type { MailSink } from '../../src/platform/mail-sink';
import { createQueues, type Queues } from '../../src/platform/queues';
import { createRedis, redisReady, type RedisClient } from '../../src/platform/redis';
import { startWorkers, type RunningWorkers, type WorkerTuning } from '../../workers/start-workers';
import { uniqueId } from './factories';
import { keysOnEveryMaster } from './redis-topology';

export const FEED_A = { feedId: 'northumbria-test', key: 'test-key-a-0123456789abcdefghij' };
export const FEED_B = { feedId: 'durham-test', key: 'test-key-b-0123456789abcdefghij' };
/** Signs acknowledgement tokens in tests. */
export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export type TestApp = {
  url: string;
  config: Config;
  redis: RedisClient;
  queues: Queues;
  workers: RunningWorkers | undefined;
  stores: Stores;
  directory: DirectoryStore;
  users: UserStore;
  sessions: SessionStore;
  post(path: string, body: unknown, init?: { key?: string | null; contentType?: string; raw?: string }): Promise<Response>;
  get(path: string, init?: { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
};

/**
 * The real app on port 0 against the run's private Redis, under a fresh QUEUE_PREFIX
 * so that tests never see each other's data. Workers only when asked for.
 */
export type TestAppOptions = {
  env?: Record<string, string>;
  /** Start the workers in this process; they send through `smtpUrl`. */
  workers?: boolean;
  smtpUrl?: string;
  tuning?: Partial<WorkerTuning>;
  redisUrl?: string;
  /** The clock of the app and its workers; tests move it to pass deadlines. */
  now?: () => Date;
  /** Single sign-on tests: let the app talk to the in-test http:// OpenID provider. */
  oidcAllowInsecureRequests?: boolean;
  /** The development mail sink the dashboard shows (SPEC §9), e.g. from `startMailSink()`. */
  mailSink?: MailSink;
};

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // Development unless a test asks for strict mode with `env: { NODE_ENV: 'production', … }`.
  const config = loadConfig({
    NODE_ENV: 'development',
    REDIS_URL: options.redisUrl ?? inject('redisUrl'),
    QUEUE_PREFIX: uniqueId('t').replace(/[^A-Za-z0-9_-]/g, '_'),
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key},${FEED_B.feedId}:${FEED_B.key}`,
    INTAKE_RATE_LIMIT: '1000',
    PORT: '0',
    ...options.env,
  });
  const redis = createRedis(config.redis, 'request');
  // As in src/main.ts: BullMQ's scripts on a connection of their own.
  const queueRedis = createRedis(config.redis, 'request');
  await Promise.all([redisReady(redis), redisReady(queueRedis)]);
  const queues = createQueues(queueRedis, config.queuePrefix);
  const stores = createStores(redis, config.queuePrefix);
  const { directory, users, sessions } = stores;
  let workerRedis: RedisClient | undefined;
  let workers: RunningWorkers | undefined;
  if (options.workers) {
    workerRedis = createRedis(config.redis, 'worker');
    workers = await startWorkers({
      config,
      redis: workerRedis,
      queues: createQueues(workerRedis, config.queuePrefix),
      smtpUrl: options.smtpUrl ?? 'smtp://127.0.0.1:1?requireTLS=false',
      secret: TEST_SECRET,
      tuning: { sweepEverySeconds: 1, ...options.tuning },
      ...(options.now ? { now: options.now } : {}),
    });
  }
  const app = createApp({
    config,
    redis,
    queues,
    stores,
    secret: TEST_SECRET,
    ...(options.now ? { now: options.now } : {}),
    ...(options.oidcAllowInsecureRequests ? { oidcAllowInsecureRequests: true } : {}),
    ...(options.mailSink ? { mailSink: options.mailSink } : {}),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = (key: string | null | undefined): Record<string, string> =>
    key === null ? {} : { authorization: `Bearer ${key ?? FEED_A.key}` };

  return {
    url,
    config,
    redis,
    queues,
    workers,
    stores,
    directory,
    users,
    sessions,
    post: (path, body, init = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': init.contentType ?? 'application/json', ...auth(init.key) },
        body: init.raw ?? JSON.stringify(body),
      }),
    get: (path, init = {}) => fetch(url + path, { headers: auth(init.key) }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers?.close();
      await queues.close();
      const keys = await keysOnEveryMaster(redis, `${config.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      queueRedis.disconnect();
      workerRedis?.disconnect();
    },
  };
}

/**
 * Creates a dashboard user with `role` under this app's prefix, signs in through the API and
 * returns the `Cookie` header value that carries the session.
 */
export async function signIn(app: TestApp, role: Role): Promise<string> {
  const email = `${role}-${uniqueId('user').toLowerCase()}@endeavor.test`;
  const password = `test-password-${randomUUID()}`;
  await app.users.createUser({ email, name: `Sample ${role}`, role, password }, new Date());
  // Strict mode wants TOTP of password accounts: give this user a secret and send its code.
  let code: string | undefined;
  if (app.config.production) {
    const secret = generateSecret();
    await app.users.modify(email, (u) => ({ ...u, totp: { secret: totpCipher(TEST_SECRET).seal(secret), lastStep: 0 } }));
    code = await generate({ secret });
  }
  const res = await fetch(`${app.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(code ? { code } : {}) }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 204 || !cookie) throw new Error(`sign-in as ${role} failed with ${res.status}`);
  return cookie;
}
