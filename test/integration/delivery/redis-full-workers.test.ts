import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { fillRedis } from '../../helpers/redis-fill';
import { until } from '../../helpers/until';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

/*
 * SPEC §3, §12 (issue 12): a full Redis (maxmemory, noeviction) seen by running workers. Two
 * direct deliveries wait out a 451 as delayed retries; Redis fills up meanwhile, so the workers
 * cannot take the jobs back when they fall due. Nothing is sent, nothing is lost: once memory
 * is freed both go out, and /metrics counts the workers' refusals as `oom` (a refused worker
 * pauses for a second instead of retrying at once).
 */
const TOKEN = 'metrics-token-0123456789abcdef';
const DIRECT = ['dsl@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test'];
let server: RedisServerHandle;
let filler: Redis;
let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  server = await startRedisServer(['--maxmemory', '8mb', '--maxmemory-policy', 'noeviction']);
  filler = new Redis(server.url);
  smtp = await startTestSmtp();
  app = await startTestApp({
    redisUrl: server.url,
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { NODE_ENV: 'development', METRICS_TOKEN: TOKEN, RETRY_BASE_MS: '2500', RETRY_MAX_DELAY_MS: '2500' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { receivesAreaAlerts: false }), practice('Y90001', { receivesAreaAlerts: false })]);
});
afterAll(async () => {
  await app?.close().catch(() => undefined);
  filler?.disconnect();
  await smtp?.close();
  await server?.stop();
});

const refusedForMemory = async () => Number(/errorstat_OOM:count=(\d+)/.exec(await filler.info('errorstats'))?.[1] ?? 0);
const withStatus = (status: string) => app.redis.zcard(`${app.config.queuePrefix}:deliveries:status:${status}`);

describe('running workers, when Redis is full', () => {
  it('hold the due retries while Redis refuses writes, send them once memory is freed, and count the refusals in /metrics', async () => {
    smtp.respondWith(451);
    const event = reportedEvent();
    expect((await app.post('/api/v1/events', event)).status).toBe(202);
    await until(() => withStatus('retrying'), (n) => n === DIRECT.length, 'direct deliveries waiting to retry');
    smtp.respondWith(250);
    const retryingSince = Date.now();

    const fillers = await fillRedis(filler);
    // Full stays full: at the limit, a freed client buffer would let a small write through now and then.
    await filler.config('SET', 'maxmemory', '1mb');
    const refusedByFill = await refusedForMemory();
    // The retries fall due after RETRY_BASE_MS; from then on the workers' attempts to take them are refused.
    await until(refusedForMemory, (n) => Date.now() > retryingSince + 2500 && n >= refusedByFill + 3, 'refusals for memory after the retries fell due', 20_000);
    expect(smtp.mails).toHaveLength(0);

    await filler.del(...fillers);
    await filler.config('SET', 'maxmemory', '8mb');
    await smtp.waitFor((mails) => mails.length === DIRECT.length, 20_000);
    expect(smtp.mails.flatMap((m) => m.to).sort()).toEqual(DIRECT);
    await until(() => withStatus('sent'), (n) => n === DIRECT.length, 'deliveries sent');

    const metrics = await until(
      async () => (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text(),
      (text) => /endeavor_worker_redis_unavailable_total\{reason="oom",queue="deliver"\} [1-9]/.test(text),
      'the workers refusals in /metrics',
      20_000,
    );
    expect(metrics).not.toMatch(/endeavor_worker_redis_unavailable_total\{reason="down"/);
    // Each refused worker pauses a second; BullMQ alone retried a refused fetch thousands of times a second.
    const refused = [...metrics.matchAll(/^endeavor_worker_redis_unavailable_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(refused).toBeLessThan(200);
    console.log(`redis full: ${fillers.length} × 64 KiB to fill; ${refused} worker refusals counted; ${smtp.mails.length} sent after the thaw`);
  }, 60_000);
});
