import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore } from '../../../src/intake/event.store';
import { eventUid } from '../../../src/intake/ids';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { reportedEvent } from '../../helpers/factories';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';
import { until } from '../../helpers/until';

/* This file kills Redis, so it runs its own redis-server rather than the shared one. */
let redis: RedisServerHandle;
let app: TestApp;

beforeAll(async () => {
  redis = await startRedisServer();
  app = await startTestApp({ redisUrl: redis.url });
});
afterAll(async () => {
  await app.close().catch(() => undefined);
  await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when Redis goes away', () => {
  it('answers 503 with Retry-After, recovers by itself, and keeps every event that got a 202', async () => {
    const accepted: string[] = [];
    const statuses: number[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let stop = false;
    const seenDuring = { before: new Set<number>(), down: new Set<number>(), after: new Set<number>() };

    const stream = (async () => {
      while (!stop) {
        const event = reportedEvent();
        const res = await app.post('/api/v1/events', event).catch(() => undefined);
        if (!res) continue;
        statuses.push(res.status);
        seenDuring[phase].add(res.status);
        if (res.status === 503) {
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(await res.json()).toMatchObject({ status: 503, type: 'urn:endeavor:problem:unavailable', detail: 'Storage is unreachable; retry with the same eventId.' });
        } else {
          await res.arrayBuffer();
        }
        if (res.status === 202) accepted.push(event.eventId);
        await sleep(20); // pacing: a feed posting steadily, not a wait for anything
      }
    })();

    // Wait on state, not time: on a loaded machine the first answers can take a while.
    await until(() => seenDuring.before.size, (n) => n > 0, 'a first answer', 15_000);
    phase = 'down';
    await redis.kill();
    await until(() => [...seenDuring.down], (seen) => seen.includes(503), 'a 503 while Redis is down', 15_000);
    const readyWhileDown = await fetch(`${app.url}/readyz`);
    expect(readyWhileDown.status).toBe(503);
    // A read has no eventId to retry with: its 503 says only to retry later.
    const listWhileDown = await app.get('/api/v1/episodes');
    expect(listWhileDown.status).toBe(503);
    expect(await listWhileDown.json()).toMatchObject({ detail: 'Storage is unreachable; retry later.' });
    await redis.start();
    phase = 'after';
    // Recovered: three answers in a row accepted after the restart.
    await until(() => statuses.slice(-3), (last) => seenDuring.after.has(202) && last.length === 3 && last.every((st) => st === 202), 'three 202s after the restart', 15_000);
    stop = true;
    await stream;

    const seen = JSON.stringify({ before: [...seenDuring.before], down: [...seenDuring.down], after: [...seenDuring.after] });
    expect(seenDuring.before, seen).toEqual(new Set([202]));
    expect(seenDuring.down.has(503), seen).toBe(true);
    expect(seenDuring.after.has(202), seen).toBe(true);
    expect(statuses.every((s) => s === 202 || s === 503), seen).toBe(true);

    const store = createEventStore(app.redis, app.config.queuePrefix);
    for (const eventId of accepted) {
      const uid = eventUid(FEED_A.feedId, eventId);
      expect(await store.get(uid), eventId).toBeDefined();
      expect(await app.queues.fanout.getJob(`fo-${uid}`), eventId).toBeDefined();
    }
  });

  it('lets a caller retry a 503 with the same eventId and get it accepted', async () => {
    const event = reportedEvent();
    await redis.kill();
    const down = await app.post('/api/v1/events', event);
    expect(down.status).toBe(503);
    await redis.start();
    const deadline = Date.now() + 15_000;
    let res = await app.post('/api/v1/events', event);
    while (res.status === 503 && Date.now() < deadline) {
      await sleep(200); // a caller's back-off while the restarted redis-server (another process) comes back
      res = await app.post('/api/v1/events', event);
    }
    expect(res.status).toBe(202);
  });
});
