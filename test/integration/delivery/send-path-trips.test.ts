import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOne, type DeliverDeps } from '../../../src/delivery/deliver';
import type { MailTransport, OutgoingMail } from '../../../src/delivery/mail.transport';
import { episodeAsOf, foldEpisode } from '../../../src/episodes/episode';
import { fanOutEvent } from '../../../src/episodes/fan-out';
import { eventUid } from '../../../src/intake/ids';
import { pipelineMetrics } from '../../../src/platform/metrics';
import type { RedisClient } from '../../../src/platform/redis';
import { createStores } from '../../../src/stores';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, updatedEvent } from '../../helpers/factories';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';

/*
 * Issue 11, the straight send path: how much Redis work one delivery costs, counted (never
 * timed) on a Redis of its own, so no other test's commands mix in. Round trips are what the
 * worker's connection sends (a pipeline is one); commands are the server's own count
 * (INFO commandstats), those inside scripts included. Before the straight path this test
 * measured 9 round trips and 35 commands per delivery (alert and update alike; the old path's
 * reads grew with the episode's events); after it, 3 round trips (read, claim, record with its
 * figures) and 32 commands. The claim now also reads the organisation's directory document to
 * check the recipient in the same step (issue 8), paid for by reading a record's status and id in
 * one HMGET: 31 commands. These bounds keep the figures from silently growing back.
 */
const MAX_TRIPS_PER_DELIVERY = 3;
const MAX_COMMANDS_PER_DELIVERY = 33;

let server: RedisServerHandle;
let app: TestApp;
beforeAll(async () => {
  server = await startRedisServer();
  app = await startTestApp({ redisUrl: server.url });
  // One child's school and practice (direct), and eight more organisations of the area.
  const area = Array.from({ length: 4 }, (_, i) => [school(`99010${i}`), practice(`Y9010${i}`)]).flat();
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { contacts: [contact('DSL 990001', 'dsl', 'dsl@school-990001.endeavor.test'), contact('Deputy 990001', 'deputy', 'deputy@school-990001.endeavor.test')] }),
    practice('Y90001'),
    ...area,
  ]);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await server?.stop();
});

/** Counts what a connection sends: every command, and every trip (a lone command, or one pipeline). */
function counting(redis: RedisClient) {
  const counted = { trips: 0, commands: 0 };
  const pipelines = new WeakSet<object>();
  const original = redis.sendCommand.bind(redis);
  (redis as unknown as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = (command: unknown, stream?: unknown, ...rest: unknown[]) => {
    counted.commands++;
    if (stream === undefined) counted.trips++;
    else if (!pipelines.has(stream as object)) {
      pipelines.add(stream as object);
      counted.trips++;
    }
    return (original as (...args: unknown[]) => unknown)(command, stream, ...rest);
  };
  return counted;
}

/** Every command the server ran, scripts' own commands included (INFO itself left out). */
async function serverCommands(redis: RedisClient): Promise<number> {
  const stats = await redis.info('commandstats');
  let total = 0;
  for (const [, name, calls] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (name !== 'info') total += Number(calls);
  return total;
}

/** The send path's dependencies on a connection of its own, as a worker has them; mail is kept, not sent. */
function sendDeps() {
  const workerRedis = app.redis.duplicate();
  const stores = createStores(workerRedis, app.config.queuePrefix);
  const sent: OutgoingMail[] = [];
  const transport: MailTransport = {
    send: async (mail) => {
      sent.push(mail);
      return { accepted: true, response: '250 2.0.0 queued' };
    },
    verify: async () => undefined,
    close: async () => undefined,
  };
  const deps: DeliverDeps = {
    deliveries: stores.deliveries,
    episodes: stores.episodes,
    fold: { all: foldEpisode, asOf: episodeAsOf },
    events: stores.events,
    directory: stores.directory,
    transport,
    notify: app.queues.notify,
    fanout: app.queues.fanout,
    messageDomain: 'endeavor.test',
    ackUrlFor: (delivery) => `https://endeavor.test/ack/${delivery.deliveryId}`,
    now: () => new Date(),
    metrics: pipelineMetrics(workerRedis, app.config.queuePrefix),
  };
  return { workerRedis, deps, sent };
}

/** Accepts and fans out one event; its deliveries. */
async function fanOut(event: { eventId: string }) {
  expect((await app.post('/api/v1/events', event)).status).toBe(202);
  const uid = eventUid(FEED_A.feedId, event.eventId);
  expect(await fanOutEvent({ ...app.stores, deliver: app.queues.deliver, lockMs: 5000, now: () => new Date() }, uid, 3)).toBe('routed');
  return (await app.stores.deliveries.ofEpisode((await app.stores.events.get(uid))!.episodeId, false)).filter((d) => d.eventUid === uid);
}

describe('the send path', () => {
  it(`costs at most ${MAX_TRIPS_PER_DELIVERY} round trips and ${MAX_COMMANDS_PER_DELIVERY} Redis commands per delivery`, async () => {
    const { workerRedis, deps, sent } = sendDeps();
    const ids = async (event: { eventId: string }) => (await fanOut(event)).map((d) => d.deliveryId);
    const attempt = { attemptsMade: 0, maxAttempts: 3 };
    const counted = counting(workerRedis);
    /** Sends each delivery; the work per delivery. */
    const measure = async (ids: string[]) => {
      const trips = counted.trips;
      const before = await serverCommands(app.redis);
      for (const id of ids) expect(await deliverOne(deps, id, attempt)).toBe('sent');
      return { trips: (counted.trips - trips) / ids.length, commands: ((await serverCommands(app.redis)) - before) / ids.length };
    };

    // A first episode warms the connection (scripts loaded once), as a running worker's is.
    await measure(await ids(reportedEvent()));

    // Eleven contacts: the child's school (two) and practice, and eight of the area.
    const report = reportedEvent();
    const alerts = await ids(report);
    expect(alerts).toHaveLength(11);
    const alert = await measure(alerts);
    // An update of the same episode: the old path read and folded both events for every recipient.
    const updates = await ids(updatedEvent(report.policeReference, { note: 'Seen near the station (fictional).' }));
    expect(updates).toHaveLength(11);
    const update = await measure(updates);

    console.log(`send path per delivery: alert ${alert.trips} round trips, ${alert.commands} commands; update ${update.trips} round trips, ${update.commands} commands`);
    for (const figures of [alert, update]) {
      expect(figures.trips).toBeLessThanOrEqual(MAX_TRIPS_PER_DELIVERY);
      expect(figures.commands).toBeLessThanOrEqual(MAX_COMMANDS_PER_DELIVERY);
    }
    expect(sent).toHaveLength(33);
    workerRedis.disconnect();
  });

  it('renders a record without stored facts (written before they were kept) from the episode’s events, alike', async () => {
    const { workerRedis, deps, sent } = sendDeps();
    const attempt = { attemptsMade: 0, maxAttempts: 3 };
    const report = reportedEvent();
    const [first, second] = (await fanOut(report)).filter((d) => d.audience === 'direct' && d.organisation.type === 'school');
    expect(await deliverOne(deps, first!.deliveryId, attempt)).toBe('sent');
    expect(await app.redis.del(app.stores.deliveries.keys.messageFacts(first!.eventUid))).toBe(1);
    expect(await deliverOne(deps, second!.deliveryId, attempt)).toBe('sent');
    // The part both contacts share, from the child to what to do, reads the same either way.
    const picture = (text: string) => text.slice(text.indexOf('The child\n'), text.indexOf('What to do\n'));
    expect(sent).toHaveLength(2);
    expect(picture(sent[0]!.text)).toContain('Testchild Fictional');
    expect(picture(sent[1]!.text)).toBe(picture(sent[0]!.text));
    workerRedis.disconnect();
  });
});
