import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request } from 'express';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { createApp } from '../../../src/app';
import { createQueues } from '../../../src/platform/queues';
import { createRedis } from '../../../src/platform/redis';
import { createStores } from '../../../src/stores';
import { TEST_SECRET } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

/*
 * SPEC §2 TRUST_PROXY. A real request through the real app; the server keeps the request
 * object so the test reads the client address Express derived for it (what sign-in limits,
 * rate limits and request logs see).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function clientAddressSeen(env: Record<string, string>, forwardedFor: string): Promise<string | undefined> {
  const config = loadConfig({ NODE_ENV: 'development', REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: uniqueId('tp').replace(/[^A-Za-z0-9_-]/g, '_'), ...env });
  const redis = createRedis(config.redisUrl, 'request');
  const queues = createQueues(redis, config.queuePrefix);
  const app = createApp({ config, redis, queues, stores: createStores(redis, config.queuePrefix), secret: TEST_SECRET });
  let seen: IncomingMessage | undefined;
  const server: Server = createServer((req, res) => {
    seen = req;
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await queues.close();
    redis.disconnect();
  });
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, { headers: { 'x-forwarded-for': forwardedFor } });
  expect(res.status).toBe(200);
  return (seen as Request | undefined)?.ip;
}

describe('TRUST_PROXY', () => {
  it('ignores X-Forwarded-For when unset: the client is the socket', async () => {
    expect(await clientAddressSeen({}, '203.0.113.9')).toBe('127.0.0.1');
  });

  it('honours X-Forwarded-For through one trusted hop', async () => {
    expect(await clientAddressSeen({ TRUST_PROXY: '1' }, '198.51.100.7, 203.0.113.9')).toBe('203.0.113.9');
  });

  it('honours X-Forwarded-For from a trusted address and no further', async () => {
    expect(await clientAddressSeen({ TRUST_PROXY: '127.0.0.1/32' }, '198.51.100.7, 203.0.113.9')).toBe('203.0.113.9');
    expect(await clientAddressSeen({ TRUST_PROXY: '10.0.0.0/8' }, '203.0.113.9')).toBe('127.0.0.1');
  });
});
