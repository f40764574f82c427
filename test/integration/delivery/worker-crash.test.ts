import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore } from '../../../src/delivery/delivery.store';
import { DELIVERY_STATUSES } from '../../../src/delivery/delivery-status';
import { FEED_A, TEST_SECRET, startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { drained } from '../../helpers/drain';
import { reportedEvent } from '../../helpers/factories';
import { runEntry, type Spawned } from '../../helpers/process';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

/*
 * SPEC §11: a 202 is a promise through a worker crash. The workers run as a real process,
 * killed with SIGKILL in the middle of a batch and started again; then every expected email
 * must have arrived, and the duplicates (one Message-ID twice) may not exceed the sends that
 * were in flight when the process died.
 */
const EVENTS = 100;
const PER_EVENT = 2;
const DELIVER_CONCURRENCY = 10;

let smtp: TestSmtp;
let app: TestApp;
const running: Spawned[] = [];

function startWorkerProcess(): Spawned {
  const run = runEntry('workers/main.ts', {
    REDIS_URL: app.config.redisUrl,
    QUEUE_PREFIX: app.config.queuePrefix,
    SMTP_URL: `${smtp.url}?requireTLS=false`,
    SECRET_KEY: TEST_SECRET,
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
    RETRY_BASE_MS: '200',
    RETRY_MAX_DELAY_MS: '1000',
    JOB_LOCK_MS: '2000',
    JOB_STALLED_CHECK_MS: '1000',
    SWEEP_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'warn',
  });
  running.push(run);
  return run;
}

beforeAll(async () => {
  smtp = await startTestSmtp({ replyDelayMs: 15 });
  app = await startTestApp();
  // One school and one practice, both the child's own: two direct emails an event, nothing else.
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { locality: 'Alnwick' }), practice('Y90001', { locality: 'Alnwick' })]);
});
afterAll(async () => {
  for (const run of running) run.child.kill('SIGKILL');
  await app.close();
  await smtp.close();
});

/** On failure: which deliveries never arrived, with their records and jobs, to see why. */
async function diagnose(): Promise<string> {
  const store = createDeliveryStore(app.redis, app.config.queuePrefix);
  const arrived = new Set(smtp.mails.map((m) => m.messageId));
  const lines: string[] = [];
  for (const status of DELIVERY_STATUSES) {
    for (const id of await store.withStatus(status)) {
      if (arrived.has(`<${id}@localhost>`)) continue;
      const d = await store.get(id);
      const job = await app.queues.deliver.getJob(id);
      lines.push(`${id} ${status} attempts=${d?.attempts} job=${job ? await job.getState() : 'none'} history=${JSON.stringify(d?.history)}`);
    }
  }
  const fanout = await app.queues.fanout.getJobCounts();
  return `missing deliveries:\n${lines.join('\n')}\nfanout jobs: ${JSON.stringify(fanout)}\nworker stderr: ${running.map((r) => r.stderr().slice(-2000)).join('\n---\n')}`;
}

describe('a worker process killed mid-batch', () => {
  it('delivers every expected email after a restart, with duplicates bounded by what was in flight', async () => {
    const first = startWorkerProcess();
    const child = { ...reportedEvent().child, postcodeDistrict: 'NE66' };
    const events = Array.from({ length: EVENTS }, () => reportedEvent({ child }));
    for (let i = 0; i < events.length; i += 10) {
      const responses = await Promise.all(events.slice(i, i + 10).map((e) => app.post('/api/v1/events', e)));
      expect(responses.every((r) => r.status === 202)).toBe(true);
    }

    await smtp.waitFor((mails) => mails.length >= 40, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = smtp.mails.length;
    expect(beforeRestart).toBeLessThan(EVENTS * PER_EVENT);

    const second = startWorkerProcess();
    await smtp.waitFor((mails) => new Set(mails.map((m) => m.messageId)).size >= EVENTS * PER_EVENT, 60_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await diagnose()}`);
    });
    // Every job done and every record final: nothing is left that could send a late duplicate.
    await drained(app.queues, { deliveries: app.stores.deliveries, timeoutMs: 30_000 });
    second.child.kill('SIGTERM');
    await second.exited;

    const ids = smtp.mails.map((m) => m.messageId);
    const unique = new Set(ids);
    expect(unique.size).toBe(EVENTS * PER_EVENT);
    const duplicates = ids.length - unique.size;
    expect(duplicates).toBeLessThanOrEqual(DELIVER_CONCURRENCY);
    for (const event of events) {
      const subject = `[Operation Endeavor] HIGH risk: missing child alert, ref ${event.policeReference}`;
      const recipients = new Set(smtp.mails.filter((m) => m.subject === subject).flatMap((m) => m.to));
      expect([...recipients].sort(), event.policeReference).toEqual(['dsl@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test']);
    }
  }, 120_000);
});
