import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeRateToken, takeWindowToken } from '../../../src/platform/rate-limit';
import { startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

// Fixed instants: each window is a key of its own, so a test never straddles a real second.
const SECOND = Date.parse('2030-01-01T00:00:00.000Z');

describe('the per-feed rate limiter (one script per request)', () => {
  it('lets `limit` requests through in a second, asks the next to wait a second, and starts afresh the next second', async () => {
    const feed = uniqueId('feed');
    const take = (ms: number) => takeRateToken(app.redis, app.config.queuePrefix, feed, 3, ms);
    expect([await take(SECOND), await take(SECOND + 10), await take(SECOND + 999), await take(SECOND + 500)]).toEqual([0, 0, 0, 1]);
    expect(await take(SECOND + 1000)).toBe(0);
  });

  it('lets its counts expire within two seconds, so no key outlives its window', async () => {
    const feed = uniqueId('feed');
    for (let i = 0; i < 5; i++) await takeRateToken(app.redis, app.config.queuePrefix, feed, 3, SECOND);
    const ttl = await app.redis.ttl(`${app.config.queuePrefix}:rate:${feed}:${SECOND / 1000}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
  });

  it('answers a longer window with the seconds left in it', async () => {
    const link = uniqueId('link');
    const take = () => takeWindowToken(app.redis, app.config.queuePrefix, 'test', link, { limit: 2, windowSeconds: 60 }, SECOND + 15_000);
    expect([await take(), await take(), await take()]).toEqual([0, 0, 45]);
  });
});
