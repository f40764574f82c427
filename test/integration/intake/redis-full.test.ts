import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventUid } from '../../../src/intake/ids';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { reportedEvent } from '../../helpers/factories';
import { fillRedis } from '../../helpers/redis-fill';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';

/*
 * SPEC §3: a full Redis (maxmemory reached, noeviction) is a Redis problem like an outage:
 * 503 + Retry-After, never 500; /readyz says `oom`; once memory is freed, the caller's retry
 * of the same eventId is accepted. This file fills its own small redis-server.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
let server: RedisServerHandle;
let filler: Redis;
let app: TestApp;

beforeAll(async () => {
  server = await startRedisServer(['--maxmemory', '8mb', '--maxmemory-policy', 'noeviction']);
  filler = new Redis(server.url);
  app = await startTestApp({ redisUrl: server.url, env: { NODE_ENV: 'development', METRICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  await app.close().catch(() => undefined);
  filler.disconnect();
  await server.stop();
});

describe('when Redis is full (maxmemory, noeviction)', () => {
  it('answers 503 with Retry-After, reports oom on /readyz and in /metrics, and accepts the retried eventId once memory is freed', async () => {
    const fillers = await fillRedis(filler);
    const event = reportedEvent();
    for (let i = 0; i < 5; i++) {
      const res = await app.post('/api/v1/events', i === 0 ? event : reportedEvent());
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(await res.json()).toMatchObject({ status: 503, type: 'urn:endeavor:problem:unavailable' });
    }
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ redis: 'oom', workers: 'none' });
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/endeavor_redis_unavailable_total\{reason="oom",side="api"\} [1-9]/);
    expect(metrics).toMatch(/endeavor_intake_responses_total\{feed="northumbria-test",status="503"\} 5/);
    expect(metrics).toContain('endeavor_redis_state{state="oom"} 1');

    await filler.del(...fillers);
    const again = await app.post('/api/v1/events', event);
    // 200 Idempotent-Replay when the record got in before the job was refused (README): accepted either way.
    expect([200, 202]).toContain(again.status);
    expect(((await again.json()) as { eventId: string; status: string })).toMatchObject({ eventId: event.eventId, status: 'accepted' });
    expect(await app.queues.fanout.getJob(`fo-${eventUid(FEED_A.feedId, event.eventId)}`)).toBeDefined();
    expect((await (await fetch(`${app.url}/readyz`)).json()).redis).toBe('ok');
  });
});
