import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutEvent, type FanoutDeps } from '../../../src/episodes/fan-out';
import { eventUid } from '../../../src/intake/ids';
import { createQueues, type Queues } from '../../../src/platform/queues';
import { createRedis, redisReady, type RedisClient } from '../../../src/platform/redis';
import { createStores } from '../../../src/stores';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { until } from '../../helpers/until';

/*
 * Fan-out's cost in Redis round trips, and the order of its writes. The child's school and GP
 * (2 direct contacts) and 40 other schools of the locality (40 area contacts): written and
 * queued one by one that was 84 round trips and more; in steps it is a fixed few plus two a step.
 */
const AREA_SCHOOLS = 40;

let app: TestApp;
let storesRedis: RedisClient;
let queueRedis: RedisClient;
let queues: Queues;
let deps: FanoutDeps;

/** Counts the writes to a connection's socket: one a command sent alone, one a whole pipeline. */
function countWrites(client: RedisClient): { readonly count: number } {
  const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
  const write = stream.write;
  const counter = { count: 0 };
  stream.write = function (this: unknown, ...args: unknown[]) {
    counter.count++;
    return write.apply(this, args);
  };
  return counter;
}

beforeAll(async () => {
  app = await startTestApp();
  const area = Array.from({ length: AREA_SCHOOLS }, (_, i) => school(String(991000 + i)));
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001'), practice('Y90001'), ...area]);
  // Connections of this test's own, so nothing but the fan-out is counted on them.
  storesRedis = createRedis(app.config.redis, 'request');
  queueRedis = createRedis(app.config.redis, 'request');
  await Promise.all([redisReady(storesRedis), redisReady(queueRedis)]);
  queues = createQueues(queueRedis, app.config.queuePrefix);
  deps = { ...createStores(storesRedis, app.config.queuePrefix), deliver: queues.deliver, lockMs: 5000, now: () => new Date() };
});
afterAll(async () => {
  await queues?.close();
  storesRedis?.disconnect();
  queueRedis?.disconnect();
  await app?.close();
});

async function accepted(): Promise<string> {
  const report = reportedEvent();
  expect((await app.post('/api/v1/events', report)).status).toBe(202);
  return eventUid(FEED_A.feedId, report.eventId);
}

async function deliveriesOf(uid: string) {
  const all = await app.stores.deliveries.ofEpisode((await app.stores.events.get(uid))!.episodeId, false);
  return { direct: all.filter((d) => d.audience === 'direct'), area: all.filter((d) => d.audience === 'area') };
}

/** Round trips of one fan-out on the stores' and the queue's connections. */
async function roundTrips(areaBatch: number): Promise<number> {
  const uid = await accepted();
  const writes = [countWrites(storesRedis), countWrites(queueRedis)];
  const before = writes.map((w) => w.count);
  expect(await fanOutEvent({ ...deps, areaBatch }, uid, 3)).toBe('routed');
  const trips = writes.reduce((sum, w, i) => sum + w.count - before[i]!, 0);
  const { direct, area } = await deliveriesOf(uid);
  expect([direct.length, area.length]).toEqual([2, AREA_SCHOOLS]);
  const jobs = await Promise.all([...direct, ...area].map((d) => app.queues.deliver.getJob(d.deliveryId)));
  expect(jobs.filter(Boolean)).toHaveLength(2 + AREA_SCHOOLS);
  return trips;
}

describe('fan-out of one event', () => {
  it('costs a fixed few round trips plus two a batch, not two a delivery', async () => {
    // Warm up: the first use of a connection sends each script's text and BullMQ's set-up.
    await roundTrips(200);
    const oneAreaBatch = await roundTrips(200);
    const fourAreaBatches = await roundTrips(10);
    // Each further batch of area deliveries is one trip to write it and one to queue it...
    expect(fourAreaBatches - oneAreaBatch).toBe(2 * 3);
    // ...on top of the fixed work, 16 trips today: read the event, lock, the episode's events,
    // record, recipients and deliveries (two), the school, the directory (three), the event's
    // message facts, save the episode, the recipients, mark routed, release; and the two steps.
    expect(oneAreaBatch).toBeLessThanOrEqual(16 + 2 * 2);
  });

  it('queues every direct delivery before any area delivery of the same event is written', async () => {
    const monitor = await monitorLines(app.redis as Redis);
    const seen = monitor.lines;
    try {
      const uid = await accepted();
      expect(await fanOutEvent({ ...deps, areaBatch: 10 }, uid, 3)).toBe('routed');
      const { direct, area } = await deliveriesOf(uid);
      const prefix = app.config.queuePrefix;
      const jobKeys = direct.map((d) => `${prefix}:deliver:${d.deliveryId}`);
      const recordKeys = area.map((d) => `${prefix}:delivery:${d.deliveryId}`);
      const first = (key: string) => seen.findIndex((line) => line.includes(`"${key}"`));
      // The monitor streams in the server's order: once every key has shown up, all before it has too.
      await until(() => [...jobKeys, ...recordKeys].map(first), (at) => at.every((i) => i >= 0), 'commands seen by MONITOR');
      const lastDirectJob = Math.max(...jobKeys.map(first));
      const firstAreaRecord = Math.min(...recordKeys.map(first));
      expect(lastDirectJob).toBeLessThan(firstAreaRecord);
    } finally {
      monitor.close();
    }
  });
});

/**
 * MONITOR on a plain socket, each line as the server wrote it (`+<time> [db addr] "cmd" "key" …`).
 * ioredis's monitor() can take a monitor line for the reply to its own ready check under load
 * ("Command queue state error"), so this reads the protocol itself; it resolves once MONITOR is on.
 */
async function monitorLines(redis: Redis): Promise<{ lines: string[]; close(): void }> {
  const socket = connect({ host: redis.options.host ?? '127.0.0.1', port: redis.options.port ?? 6379 });
  const lines: string[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\r\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        if (line === '+OK') resolve();
        else lines.push(line);
      }
    });
    socket.write('MONITOR\r\n');
  });
  return { lines, close: () => socket.destroy() };
}
