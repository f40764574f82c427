import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { runEntry } from '../../helpers/process';
import { freePort } from '../../helpers/redis-server';
import { keysOnEveryMaster, startRedisCluster, type TestCluster } from '../../helpers/redis-topology';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

/*
 * SPEC §2 and §12: the service runs on a Redis Cluster. A local 3-master Cluster; the api and
 * workers reach it through REDIS_CLUSTER_NODES with a hash-tag QUEUE_PREFIX, so every script,
 * MULTI and BullMQ key of the instance lives in one slot.
 */
const EVENTS = 20;
const RECIPIENTS = ['dsl@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test', 'dsl@school-990002.endeavor.test', 'lead@gp-y90002.endeavor.test'].sort();

let cluster: TestCluster;
let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  smtp = await startTestSmtp();
  app = await startTestApp({
    env: { NODE_ENV: 'development', REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: `{${uniqueId('endeavor').slice(0, 40)}}` },
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001'), practice('Y90001'), school('990002'), practice('Y90002')]);
}, 90_000);
afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await cluster?.stop();
});

describe('on a Redis Cluster', () => {
  it('accepts events and delivers every email, each once, to the direct and area recipients', async () => {
    expect(app.config.redis.mode).toBe('cluster');
    const events = Array.from({ length: EVENTS }, () => reportedEvent());
    const statuses: number[] = [];
    for (let i = 0; i < events.length; i += 5) {
      const responses = await Promise.all(events.slice(i, i + 5).map((e) => app.post('/api/v1/events', e)));
      statuses.push(...responses.map((r) => r.status));
    }
    expect(statuses.every((s) => s === 202)).toBe(true);
    // A replay is answered from the Cluster too.
    expect((await app.post('/api/v1/events', events[0])).status).toBe(200);

    await smtp.waitFor((mails) => new Set(mails.map((m) => m.messageId)).size >= EVENTS * RECIPIENTS.length, 60_000);
    const ids = smtp.mails.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(EVENTS * RECIPIENTS.length);
    expect(ids.length).toBe(new Set(ids).size);
    for (const event of events) {
      const recipients = smtp.mails.filter((m) => m.subject.endsWith(`ref ${event.policeReference}`)).flatMap((m) => m.to);
      expect(recipients.sort(), event.policeReference).toEqual(RECIPIENTS);
    }

    // Every key of the instance sits on one master: the hash tag keeps each script in one slot.
    if (!(app.redis instanceof Cluster)) throw new Error('expected a Cluster connection');
    const perMaster = await Promise.all(app.redis.nodes('master').map(async (node) => (await node.keys(`${app.config.queuePrefix}:*`)).length));
    expect(perMaster).toHaveLength(3);
    expect(perMaster.filter((n) => n > 0)).toHaveLength(1);
    const keys = await keysOnEveryMaster(app.redis, `${app.config.queuePrefix}:*`);
    console.log(`cluster: ${statuses.length} events answered 202, ${smtp.mails.length} emails for ${ids.length} deliveries, ${keys.length} keys on one of ${cluster.ports.length} masters`);
  }, 120_000);

  it('refuses to start with a QUEUE_PREFIX that is not a hash tag, in one line', async () => {
    const run = runEntry(
      'src/main.ts',
      { NODE_ENV: 'development', REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: 'endeavor', SMTP_URL: `${smtp.url}?requireTLS=false`, PORT: String(await freePort()) },
      { args: ['--api'] },
    );
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/QUEUE_PREFIX must be a hash tag/);
    expect(lines[0]).not.toContain(String(cluster.ports[0]));
  }, 60_000);
});
