import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../src/app';
import { createAckToken } from '../../../src/ack/ack-token';
import { FEED_A, signIn, startTestApp, TEST_SECRET, type TestApp } from '../../helpers/app';
import { reportedEvent } from '../../helpers/factories';
import { contact, school, seedDirectory } from '../../helpers/directory';
import { until } from '../../helpers/until';

/*
 * SPEC §8 and §2: every response that may carry personal data is `no-store` and every response
 * is `nosniff`, from one policy in front of every route; strict mode adds HSTS. The routes below
 * are one of each kind: API reads, the CSV export, dashboard pages, ack pages, errors, public.
 */

let app: TestApp;
let cookie: string;
let episodeId: string;

beforeAll(async () => {
  app = await startTestApp({ workers: true, env: { NODE_ENV: 'development' } });
  cookie = await signIn(app, 'admin');
  // The child's school (the report's default URN), so the episode has a delivery with an ack link.
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { locality: 'Morpeth', contacts: [contact('Fictional DSL', 'dsl', 'dsl@headers.endeavor.test')] })]);
  const res = await app.post('/api/v1/events', reportedEvent());
  expect(res.status).toBe(202);
  episodeId = ((await res.json()) as { episodeId: string }).episodeId;
  await vi.waitFor(async () => expect((await asFeed(`/api/v1/episodes/${episodeId}`)).status).toBe(200), { timeout: 15_000, interval: 50 });
});
afterAll(async () => {
  await app?.close();
});

const asAdmin = (path: string) => fetch(app.url + path, { headers: { cookie }, redirect: 'manual' });
const asFeed = (path: string) => fetch(app.url + path, { headers: { authorization: `Bearer ${FEED_A.key}` }, redirect: 'manual' });
const asNobody = (path: string) => fetch(app.url + path, { redirect: 'manual' });

/** A link to one of the episode's deliveries, as its email carries it. */
async function genuineAckToken() {
  const [delivery] = await until(() => app.stores.deliveries.ofEpisode(episodeId), (ds) => ds.length > 0, 'the alert’s delivery');
  return createAckToken(TEST_SECRET, delivery!.deliveryId, new Date());
}

const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
];

describe('headers on personal data', () => {
  const personal: [string, () => Promise<Response>][] = [
    ['an episode through the API (feed key)', () => asFeed(`/api/v1/episodes/${episodeId}`)],
    ['an episode through the API (user)', () => asAdmin(`/api/v1/episodes/${episodeId}`)],
    ['the episode list', () => asAdmin('/api/v1/episodes')],
    ['the deliveries list', () => asAdmin('/api/v1/deliveries')],
    ['the deliveries CSV export', () => asAdmin('/api/v1/deliveries.csv')],
    ['the directory (contacts)', () => asAdmin('/api/v1/organisations')],
    ['an event status', () => asFeed('/api/v1/events/no-such-event')],
    ['a problem answer', () => asNobody('/api/v1/deliveries')],
    ['an unknown API path', () => asNobody('/api/v1/no-such-thing')],
    ['the board', () => asAdmin('/dashboard')],
    ['the episode page', () => asAdmin(`/dashboard/episodes/${episodeId}`)],
    ['the export page', () => asAdmin('/dashboard/export')],
    ['the sign-in page', () => asNobody('/login')],
    ['an ack page', () => asNobody('/ack/not-a-token')],
    ['a genuine ack page', async () => asNobody(`/ack/${await genuineAckToken()}`)],
    ['the users list', () => asAdmin('/api/v1/users')],
    ['the reports API', () => asAdmin('/api/v1/reports')],
    ['the reports page', () => asAdmin('/dashboard/reports')],
    ['the failed work list', () => asAdmin('/dashboard/failed')],
    ['the audit log', () => asAdmin('/dashboard/audit')],
  ];

  it.each(personal)('%s is no-store and nosniff', async (_name, request) => {
    const res = await request();
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers the API reads themselves (not an error page) with those headers', async () => {
    for (const path of [`/api/v1/episodes/${episodeId}`, '/api/v1/deliveries', '/api/v1/deliveries.csv']) {
      const res = await asAdmin(path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const ack = await asNobody(`/ack/${await genuineAckToken()}`);
    expect(ack.status).toBe(200);
    expect(ack.headers.get('cache-control')).toBe('no-store');
  });
});

describe('one Content-Security-Policy', () => {
  it.each([
    ['the board', () => asAdmin('/dashboard')],
    ['the episode page', () => asAdmin(`/dashboard/episodes/${episodeId}`)],
    ['the sign-in page', () => asNobody('/login')],
    ['an ack page', () => asNobody('/ack/not-a-token')],
    ['a JSON answer', () => asAdmin('/api/v1/deliveries')],
  ])('%s carries the strict policy: no inline script or style, no framing', async (_name, request) => {
    const res = await request();
    const directives = (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim()).filter(Boolean);
    expect(directives.sort()).toEqual([...STRICT_CSP].sort());
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('public, cacheable responses', () => {
  it('lets the stylesheet and scripts be cached, still nosniff', async () => {
    for (const path of ['/assets/app.css', '/assets/board.js']) {
      const res = await asNobody(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('keeps health and the OpenAPI document nosniff', async () => {
    for (const path of ['/healthz', '/api/v1/openapi.json']) {
      const res = await asNobody(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('Strict-Transport-Security', () => {
  it('is not sent in development over http', async () => {
    for (const path of ['/healthz', '/login', '/api/v1/deliveries']) {
      expect((await asNobody(path)).headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('is on every response in strict mode', async () => {
    // The same stores and Redis, wired with a strict-mode configuration.
    const strict = createApp({ config: { ...app.config, production: true }, redis: app.redis, queues: app.queues, stores: app.stores, secret: TEST_SECRET });
    const server: Server = await new Promise((resolve) => {
      const s = strict.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/healthz', '/login', '/assets/app.css', '/api/v1/deliveries', '/api/v1/no-such-thing', '/ack/not-a-token']) {
        const res = await fetch(base + path, { redirect: 'manual' });
        expect([path, res.headers.get('strict-transport-security')]).toEqual([path, 'max-age=31536000; includeSubDomains']);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
