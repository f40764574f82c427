import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLimits } from '../../../src/access/sign-in-limits';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { takeWindowToken } from '../../../src/platform/rate-limit';
import type { RedisClient } from '../../../src/platform/redis';
import { startTestApp, type TestApp } from '../../helpers/app';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';

/*
 * Every Lua script goes by defineCommand: its text travels once per connection, then only its
 * SHA1 (EVALSHA). Counted with INFO commandstats on a private redis-server, so no other test
 * file's commands are counted.
 */
let server: RedisServerHandle;
let app: TestApp;
beforeAll(async () => {
  server = await startRedisServer();
  app = await startTestApp({ redisUrl: server.url });
});
afterAll(async () => {
  await app?.close();
  await server?.stop();
});

async function scriptCalls(redis: RedisClient): Promise<{ eval: number; evalsha: number }> {
  const info = await (redis as Extract<RedisClient, { info: unknown }>).info('commandstats');
  const calls = (name: string) => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { eval: calls('eval'), evalsha: calls('evalsha') };
}

const delivery = (eventUid: string): NewDelivery => ({
  deliveryId: uniqueId('dl'),
  eventUid,
  eventId: 'ev-script-test',
  episodeId: uniqueId('ep'),
  feedId: 'northumbria-test',
  kind: 'alert',
  audience: 'direct',
  organisation: { type: 'school', id: '990001', name: 'Sample Primary School' },
  contact: { contactId: 'c-1', name: 'Sample Head', email: 'head@school.example.test', role: 'dsl' },
  status: 'pending',
  threadOf: null,
  asOf: null,
  ackable: true,
  risk: 'high',
  priority: 1,
});

/** One of every scripted operation: intake (with the rate limiter), the delivery, episode, sign-in and session stores. */
async function everyScript(): Promise<void> {
  const res = await app.post('/api/v1/events', reportedEvent());
  expect(res.status).toBe(202);
  const now = new Date();
  const { deliveries, episodes, events, users, sessions } = app.stores;
  const d = delivery(uniqueId('uid'));
  expect(await deliveries.create(d, now, 'created')).toBe(true);
  expect((await deliveries.transition(d.deliveryId, 'sending', now, { detail: 'sending', eventUid: d.eventUid })).ok).toBe(true);
  // With a replica to wait for: the script and WAIT go in one pipeline (none here, so WAIT answers 0 after its bound).
  expect((await deliveries.transition(d.deliveryId, 'sent', now, { detail: 'sent', fields: { sentAt: now.toISOString() }, eventUid: d.eventUid, waitReplicas: 1 })).ok).toBe(true);
  expect(await deliveries.recordAckAnswer(d.deliveryId, { inSchoolToday: true }, now)).toBe(true);
  expect(await deliveries.markEscalated(d.deliveryId, now, 'overdue')).toBe(true);
  expect((await deliveries.acknowledge(d.deliveryId, now, 'acknowledged')).outcome).toBe('ok');
  await events.markRouted(uniqueId('uid'), now);
  const release = await episodes.lock(d.episodeId, 5000);
  await release!();
  const limits = signInLimits(app.redis, app.config.queuePrefix);
  const subject = { email: `${uniqueId('user')}@endeavor.test`, address: '192.0.2.7' };
  expect(await limits.take(subject)).toBe(0);
  await limits.refund(subject);
  expect(await takeWindowToken(app.redis, app.config.queuePrefix, 'scripts-test', uniqueId('s'), { limit: 5, windowSeconds: 60 }, now.getTime())).toBe(0);
  const user = await users.createUser({ email: `${uniqueId('user')}@endeavor.test`, role: 'mash', password: `test-password-${uniqueId('p')}` }, now);
  const session = await sessions.create(user, users.keys.user(user.email), now);
  expect(session).toBeDefined();
  expect(await sessions.endAll(user.id)).toBe(1);
}

describe('Lua scripts', () => {
  it('are sent by SHA1 (EVALSHA), never again as full text, once each connection has used them', async () => {
    await everyScript();
    const before = await scriptCalls(app.redis);
    await everyScript();
    await everyScript();
    const after = await scriptCalls(app.redis);
    expect(after.eval - before.eval).toBe(0);
    // At least one EVALSHA per scripted operation above, twice over.
    expect(after.evalsha - before.evalsha).toBeGreaterThanOrEqual(2 * 13);
  });

  it('still run after Redis forgot them (SCRIPT FLUSH, as after a restart): NOSCRIPT falls back to the text', async () => {
    await everyScript();
    await (app.redis as Extract<RedisClient, { script: unknown }>).script('FLUSH');
    await everyScript();
  });

  it('live on a connection of their own, not the one BullMQ defines its scripts on (every pipeline copies them)', async () => {
    await everyScript();
    const scriptNames = (client: unknown) => Object.keys((client as { scriptsSet: Record<string, unknown> }).scriptsSet);
    await app.queues.fanout.add('scripts-test', { eventUid: uniqueId('uid') });
    // BullMQ's would be named like addStandardJob:6.7.0.
    const ours = scriptNames(app.redis);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((name) => !/^(delivery|directory|event|episode|signIn|user|session|rate)[A-Z]/.test(name))).toEqual([]);
  });
});
