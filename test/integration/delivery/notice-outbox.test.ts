import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepNoticeOutbox, NOTICE_OUTBOX_GRACE_MS } from '../../../src/delivery/notice.queue';
import { startTestApp, type TestApp } from '../../helpers/app';
import { drained } from '../../helpers/drain';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

/*
 * SPEC §5 (issue 11): the failure notice of a direct delivery goes in a notice outbox in the same
 * script that records `failed`. So the notice job is queued at once, after the record says
 * failed (no delay, no "not ready" retries), and a crash between the two loses nothing: the
 * maintenance sweep queues what the outbox still holds.
 */
const MASH = 'mash-team@endeavor.test';
let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({ workers: true, smtpUrl: `${smtp.url}?requireTLS=false`, env: { MASH_EMAIL: MASH, RETRY_ATTEMPTS: '1' } });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { receivesAreaAlerts: false }), practice('Y90001', { receivesAreaAlerts: false })]);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const outbox = () => app.redis.zrange(`${app.config.queuePrefix}:deliveries:notice-outbox`, 0, -1);

describe('the notice outbox', () => {
  it('queues the failure notice with the failed record, without delay or retries, and empties the outbox', async () => {
    smtp.respondWith((mail) => (mail.to.includes(MASH) ? 250 : 550));
    const res = await app.post('/api/v1/events', reportedEvent());
    const { episodeId } = (await res.json()) as { episodeId: string };
    await smtp.waitFor((mails) => mails.filter((m) => m.to.includes(MASH)).length === 2, 15_000);
    await drained(app.queues);
    const failed = (await app.stores.deliveries.ofEpisode(episodeId)).filter((d) => d.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const d of failed) {
      const job = await app.queues.notify.getJob(`nf-${d.deliveryId}-1`);
      expect(job, d.deliveryId).toBeDefined();
      // Queued after the record said failed: no delay to wait out, and the first try sent it.
      expect(job!.opts.delay ?? 0).toBe(0);
      expect(job!.attemptsMade).toBe(1);
      expect(await job!.getState()).toBe('completed');
    }
    expect(await outbox()).toEqual([]);
  });

  it('writes the notice only when the change is made, and the sweep queues what a crash left, after the grace period', async () => {
    const { deliveries } = app.stores;
    const [failed] = (await deliveries.withStatus('failed')).slice(0, 1);
    expect(failed).toBeDefined();
    const notice = { job: { notice: 'failure' as const, deliveryId: failed! }, jobId: `nf-${failed}-again` };
    const now = new Date();
    // failed → failed is not a change: nothing goes in the outbox.
    expect((await deliveries.transition(failed!, 'failed', now, { detail: 'test', notice })).ok).toBe(false);
    expect(await outbox()).toEqual([]);
    // An explicit retry, then failed again, and the process dies before queueing the notice.
    expect((await deliveries.transition(failed!, 'pending', now, { detail: 'test retry' })).ok).toBe(true);
    expect((await deliveries.transition(failed!, 'failed', now, { detail: 'test', from: ['pending'], notice })).ok).toBe(true);
    expect(await outbox()).toHaveLength(1);

    expect(await sweepNoticeOutbox({ deliveries, notify: app.queues.notify, now: () => now })).toBe(0);
    expect(await app.queues.notify.getJob(notice.jobId)).toBeUndefined();
    const later = new Date(now.getTime() + NOTICE_OUTBOX_GRACE_MS + 1);
    expect(await sweepNoticeOutbox({ deliveries, notify: app.queues.notify, now: () => later })).toBe(1);
    expect(await app.queues.notify.getJob(notice.jobId)).toBeDefined();
    expect(await outbox()).toEqual([]);
    await smtp.waitFor((mails) => mails.filter((m) => m.to.includes(MASH)).length === 3, 15_000);
  });
});
