import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { eventUid } from '../../../src/intake/ids';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { startSentinelSet, type TestSentinelSet } from '../../helpers/redis-topology';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

/*
 * SPEC §2 and §12: the service on Sentinel-managed Redis with REDIS_WAIT_REPLICAS=1, through a
 * failover. A master, two replicas (so that the promoted one still has a replica to WAIT for)
 * and one sentinel on free ports; the api and workers find the master through the sentinel.
 */
const RECIPIENTS = ['dsl@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test'];
const DELIVER_CONCURRENCY = 10;

let set: TestSentinelSet;
let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  set = await startSentinelSet({ replicas: 2 });
  smtp = await startTestSmtp({ replyDelayMs: 10 });
  app = await startTestApp({
    env: {
      NODE_ENV: 'development',
      REDIS_SENTINELS: set.sentinels,
      REDIS_SENTINEL_MASTER: set.masterName,
      REDIS_WAIT_REPLICAS: '1',
      QUEUE_PREFIX: uniqueId('s').replace(/[^A-Za-z0-9_-]/g, '_'),
      RETRY_BASE_MS: '200',
      RETRY_MAX_DELAY_MS: '1000',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_CHECK_MS: '1000',
    },
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    tuning: { deliverConcurrency: DELIVER_CONCURRENCY },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { locality: 'Alnwick' }), practice('Y90001', { locality: 'Alnwick' })]);
}, 90_000);
afterAll(async () => {
  await app?.close().catch(() => undefined);
  await smtp?.close();
  await set?.stop();
});

const uniqueIds = () => new Set(smtp.mails.map((m) => m.messageId)).size;

function recipientsOf(policeReference: string): string[] {
  return [...new Set(smtp.mails.filter((m) => m.subject.endsWith(`ref ${policeReference}`)).flatMap((m) => m.to))].sort();
}

/** For a failure message: what the store says of each delivery that did not arrive, and of each event that has none. */
async function unsent(events: { eventId: string; policeReference: string }[]): Promise<string> {
  const lines: string[] = [];
  for (const event of events) {
    if (recipientsOf(event.policeReference).length === RECIPIENTS.length) continue;
    const uid = eventUid(FEED_A.feedId, event.eventId);
    const stored = await app.stores.events.get(uid);
    const job = await app.queues.fanout.getJob(`fo-${uid}`);
    const episode = stored ? await app.stores.deliveries.ofEpisode(stored.episodeId) : [];
    lines.push(`${event.eventId}: event ${stored?.state ?? 'missing'}, fan-out job ${job ? await job.getState() : 'none'}, deliveries ${JSON.stringify(episode.map((d) => [d.status, d.history.map((h) => h.status)]))}`);
  }
  for (const status of ['pending', 'sending', 'retrying', 'superseded', 'failed', 'sent'] as const) {
    const ids = await app.redis.zrange(`${app.config.queuePrefix}:deliveries:status:${status}`, 0, -1).catch(() => [] as string[]);
    if (status === 'sent') {
      const missing = [];
      for (const id of ids) if (!smtp.mails.some((m) => m.messageId.includes(id))) missing.push(id);
      lines.push(`sent but not arrived: ${missing.length}`);
      for (const id of missing.slice(0, 6)) lines.push(JSON.stringify(await app.stores.deliveries.get(id)));
    } else {
      lines.push(`${status}: ${ids.length}`);
      for (const id of ids.slice(0, 6)) lines.push(JSON.stringify(await app.stores.deliveries.get(id)));
    }
  }
  return lines.join('\n');
}

/** Posts one event until it is accepted (202) or replayed (200), retrying 503s and lost connections with the same eventId. */
async function postUntilAccepted(event: object, tally: Map<number | 'network', number>): Promise<number> {
  for (;;) {
    const res = await app.post('/api/v1/events', event).catch(() => undefined);
    const key = res?.status ?? 'network';
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (res) await res.arrayBuffer();
    if (res && (res.status === 202 || res.status === 200)) return res.status;
    if (res && res.status !== 503) throw new Error(`unexpected ${res.status}`);
    // A police feed honours Retry-After; the test retries sooner to keep the stream dense.
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('on Sentinel-managed Redis', () => {
  it('connects through the sentinel, waits for a replica, and delivers', async () => {
    expect(app.config.redis.mode).toBe('sentinel');
    const events = Array.from({ length: 10 }, () => reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } }));
    const statuses = await Promise.all(events.map((e) => app.post('/api/v1/events', e).then((r) => r.status)));
    expect(statuses).toEqual(events.map(() => 202));
    await smtp.waitFor(() => uniqueIds() >= events.length * RECIPIENTS.length, 30_000);
    for (const event of events) expect(recipientsOf(event.policeReference), event.policeReference).toEqual(RECIPIENTS);
    console.log(`sentinel: ${statuses.length} events answered 202 after WAIT 1, ${smtp.mails.length} emails arrived`);
  }, 60_000);

  it('answers 202 only once every online replica holds the event, since the sentinel may promote any of them', async () => {
    smtp.clear();
    const event = reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } });
    // One replica stops acknowledging but stays connected; the other holds the write at once.
    set.pauseReplica(0);
    let whilePaused: number;
    try {
      const res = await app.post('/api/v1/events', event);
      whilePaused = res.status;
      await res.arrayBuffer();
    } finally {
      set.resumeReplica(0);
    }
    // A 202 here would be a promise that a failover to the paused replica breaks.
    expect(whilePaused).toBe(503);
    const tally = new Map<number | 'network', number>();
    expect([200, 202]).toContain(await postUntilAccepted(event, tally));
    await smtp.waitFor(() => recipientsOf(event.policeReference).length === RECIPIENTS.length, 30_000);
    expect(recipientsOf(event.policeReference)).toEqual(RECIPIENTS);
  }, 60_000);

  it('keeps every accepted event through a failover: 503 in the gap, then every recipient reached', async () => {
    smtp.clear();
    const EVENTS = 60;
    const KILL_AFTER = 20;
    const child = { ...reportedEvent().child, postcodeDistrict: 'NE66' };
    const events = Array.from({ length: EVENTS }, () => reportedEvent({ child }));
    const tally = new Map<number | 'network', number>();
    const answers = new Map<string, number>();
    let next = 0;
    let killRequested: () => void = () => {};
    const reachedKillPoint = new Promise<void>((resolve) => (killRequested = resolve));
    const poster = async () => {
      while (next < events.length) {
        const event = events[next++]!;
        answers.set(event.eventId, await postUntilAccepted(event, tally));
        if (answers.size >= KILL_AFTER) killRequested();
      }
    };
    const posting = Promise.all([poster(), poster(), poster()]);

    await reachedKillPoint;
    const oldMaster = set.masterPort;
    await set.killMaster();
    const killedAt = Date.now();
    const newMaster = await set.waitForPromotion();
    const promotedAfterMs = Date.now() - killedAt;
    await posting;

    expect(newMaster).not.toBe(oldMaster);
    expect(answers.size).toBe(EVENTS);
    expect(tally.get(503) ?? 0, JSON.stringify([...tally])).toBeGreaterThan(0);

    const expected = EVENTS * RECIPIENTS.length;
    await smtp.waitFor(() => uniqueIds() >= expected, 90_000).catch(async (err: Error) => {
      const counts = await app.queues.deliver.getJobCounts();
      throw new Error(`${err.message}: ${uniqueIds()} of ${expected} arrived; deliver jobs ${JSON.stringify(counts)}; ${await unsent(events)}`);
    });
    for (const event of events) expect(recipientsOf(event.policeReference), event.policeReference).toEqual(RECIPIENTS);
    const duplicates = smtp.mails.length - uniqueIds();
    console.log(
      `failover: master ${oldMaster} killed after ${KILL_AFTER} accepted, replica ${newMaster} promoted in ${promotedAfterMs} ms; ` +
        `answers ${JSON.stringify(Object.fromEntries(tally))}; ${answers.size} events accepted ` +
        `(${[...answers.values()].filter((s) => s === 200).length} as replays); ${uniqueIds()} of ${expected} emails, ${duplicates} duplicates`,
    );
    // The resends a failover allows (README, Scaling and high availability): the sends whose `sent`
    // record the promoted replica did not hold, i.e. those in flight at the kill (one per slot)
    // and those whose 1 s replica wait ran out just before it, when the replicas lagged (the send
    // stands and the slot goes on: delivery must not stop for a slow replica). Seen: 0–3 on a
    // quiet machine, 11 once under load; never a loss.
    expect(duplicates).toBeLessThanOrEqual(2 * DELIVER_CONCURRENCY);
  }, 180_000);

  it('follows a failover the sentinel is asked for, while the old master lives on as a replica', async () => {
    smtp.clear();
    const before = await set.masterAsReported();
    await set.failover();
    const after = await set.waitForPromotion(before);
    // The demoted master answers writes with READONLY: the connection must move to the new one.
    const events = Array.from({ length: 10 }, () => reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } }));
    const tally = new Map<number | 'network', number>();
    const answers = await Promise.all(events.map((e) => postUntilAccepted(e, tally)));
    expect(answers.every((s) => s === 202 || s === 200)).toBe(true);
    await smtp.waitFor(() => uniqueIds() >= events.length * RECIPIENTS.length, 60_000);
    for (const event of events) expect(recipientsOf(event.policeReference), event.policeReference).toEqual(RECIPIENTS);
    console.log(`manual failover: master ${before} demoted, ${after} promoted; answers ${JSON.stringify(Object.fromEntries(tally))}; ${uniqueIds()} emails`);
  }, 90_000);
});
