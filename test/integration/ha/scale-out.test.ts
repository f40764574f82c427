import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisReady, type RedisClient } from '../../../src/platform/redis';
import { FEED_A, TEST_SECRET } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { runEntry, waitForStatus, type Spawned } from '../../helpers/process';
import { freePort, startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §12: several api and workers processes share one Redis. Two api processes
 * (`src/main.ts --api`) and three workers processes (`workers/main.ts`), all real, against a
 * private redis-server; events are posted round-robin to both APIs. Nothing crashes here, so
 * every recipient must get each email exactly once: BullMQ hands each job to one worker, and
 * a delivery sends only while its record says it has not been sent.
 */
const EVENTS = 60;
const RECIPIENTS = ['dsl@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test', 'dsl@school-990002.endeavor.test', 'lead@gp-y90002.endeavor.test'].sort();

let redisServer: RedisServerHandle;
let redis: RedisClient;
let smtp: TestSmtp;
const apis: { run: Spawned; url: string }[] = [];
const workers: Spawned[] = [];

beforeAll(async () => {
  redisServer = await startRedisServer();
  smtp = await startTestSmtp();
  const prefix = uniqueId('scale').replace(/[^A-Za-z0-9_-]/g, '_');
  redis = createRedis(redisServer.url, 'request');
  await redisReady(redis);
  await seedDirectory(redis, prefix, [
    school('990001', { locality: 'Alnwick' }),
    practice('Y90001', { locality: 'Alnwick' }),
    school('990002', { locality: 'Alnwick' }),
    practice('Y90002', { locality: 'Alnwick' }),
  ]);
  const env = {
    NODE_ENV: 'development',
    REDIS_URL: redisServer.url,
    QUEUE_PREFIX: prefix,
    SMTP_URL: `${smtp.url}?requireTLS=false`,
    SECRET_KEY: TEST_SECRET,
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
    INTAKE_RATE_LIMIT: '1000',
    SWEEP_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'info',
  };
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    apis.push({ run: runEntry('src/main.ts', { ...env, PORT: String(port) }, { args: ['--api'] }), url: `http://127.0.0.1:${port}` });
  }
  for (let i = 0; i < 3; i += 1) workers.push(runEntry('workers/main.ts', env));
  // Ready = Redis reachable and workers beating: every process is up. Five processes loading
  // TypeScript at once take a while on a busy 2-core machine.
  for (const api of apis) await waitForStatus(`${api.url}/readyz`, 200, 180_000);
}, 200_000);

afterAll(async () => {
  const all = [...apis.map((a) => a.run), ...workers];
  for (const run of all) run.child.kill('SIGTERM');
  await Promise.all(all.map((run) => run.exited));
  redis?.disconnect();
  await smtp?.close();
  await redisServer?.stop();
});

/** Deliveries each workers process logged as sent (its log carries ids only). */
const sentBy = (run: Spawned) => run.stdout().split('\n').filter((line) => line.includes('"msg":"delivery sent"')).length;

describe('two api and three workers processes on one Redis', () => {
  it('delivers every email of events posted round-robin to both APIs exactly once', async () => {
    const events = Array.from({ length: EVENTS }, () => reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } }));
    const statuses: number[] = [];
    const perApi = apis.map(() => 0);
    for (let i = 0; i < events.length; i += 6) {
      const batch = events.slice(i, i + 6).map(async (event, j) => {
        const api = (i + j) % apis.length;
        const res = await fetch(`${apis[api]!.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}` },
          body: JSON.stringify(event),
        });
        await res.arrayBuffer();
        if (res.status === 202) perApi[api]! += 1;
        return res.status;
      });
      statuses.push(...(await Promise.all(batch)));
    }
    expect(statuses).toEqual(events.map(() => 202));

    const expected = EVENTS * RECIPIENTS.length;
    await smtp.waitFor((mails) => new Set(mails.map((m) => m.messageId)).size >= expected, 90_000);
    // Drained: every workers process has logged each send it made (logs trail the SMTP answer).
    await until(() => workers.map(sentBy).reduce((a, b) => a + b, 0), (logged) => logged >= expected, 'every send in the workers\' logs', 20_000);
    for (const event of events) {
      const recipients = smtp.mails.filter((m) => m.subject.endsWith(`ref ${event.policeReference}`)).flatMap((m) => m.to);
      expect(recipients.sort(), event.policeReference).toEqual(RECIPIENTS);
    }
    const ids = smtp.mails.map((m) => m.messageId);
    expect(ids.length).toBe(new Set(ids).size);
    const perWorker = workers.map(sentBy);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(expected);
    expect(perWorker.filter((n) => n > 0).length, 'work shared by the workers processes').toBeGreaterThan(1);
    console.log(
      `scale-out: ${EVENTS} events accepted (${perApi.join(' + ')} per api), ${ids.length} emails to ${expected} deliveries, ` +
        `sent per workers process ${perWorker.join(' / ')}, duplicates ${ids.length - new Set(ids).size}`,
    );
  }, 150_000);
});
