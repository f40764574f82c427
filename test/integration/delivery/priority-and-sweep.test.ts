import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore } from '../../../src/delivery/delivery.store';
import { sweepDeliveries } from '../../../src/delivery/sweep';
import { startTestApp, type TestApp } from '../../helpers/app';
import { school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { drained } from '../../helpers/drain';
import { until } from '../../helpers/until';

let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  smtp = await startTestSmtp({ replyDelayMs: 25 });
  // One send at a time, so the order of sending is the order of the queue.
  app = await startTestApp({ workers: true, smtpUrl: `${smtp.url}?requireTLS=false`, tuning: { deliverConcurrency: 1 } });
  const morpeth = Array.from({ length: 40 }, (_, i) => school(String(990100 + i)));
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001'),
    ...morpeth,
    school('990500', { locality: 'Hexham', postcode: 'NE46 1AA' }),
  ]);
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app.close();
  await smtp.close();
});

describe('priority', () => {
  it('sends a new direct alert ahead of an area broadcast already queued', async () => {
    const broadcast = reportedEvent({ risk: 'medium', child: { ...reportedEvent().child, gpOdsCode: undefined } });
    await app.post('/api/v1/events', broadcast);
    await smtp.waitFor((m) => m.length >= 3, 10_000);
    const urgent = reportedEvent({
      risk: 'high',
      child: { ...reportedEvent().child, schoolUrn: '990500', gpOdsCode: undefined, postcodeDistrict: 'NE46' },
    });
    await app.post('/api/v1/events', urgent);
    const all = await smtp.waitFor((m) => m.length >= 42, 20_000);
    const urgentAt = all.findIndex((m) => m.subject.includes(urgent.policeReference));
    const broadcastArea = all.filter((m) => m.subject.includes(broadcast.policeReference));
    expect(broadcastArea).toHaveLength(41);
    // Well before the end of the broadcast: only what was already in hand may go first.
    expect(urgentAt).toBeGreaterThan(0);
    expect(urgentAt).toBeLessThan(12);
    // The child's own school was first of its own broadcast.
    expect(all[0]!.to).toEqual(['dsl@school-990001.endeavor.test']);
  });
});

describe('the delivery sweeper', () => {
  it('re-queues a delivery stranded in pending without a job, and it is then sent once', async () => {
    const report = reportedEvent({ child: { ...reportedEvent().child, gpOdsCode: undefined, postcodeDistrict: 'NE46', schoolUrn: '990500' } });
    const accepted = await (await app.post('/api/v1/events', report)).json();
    await smtp.waitFor((m) => m.length >= 1);
    const store = createDeliveryStore(app.redis, app.config.queuePrefix);
    const [sent] = await store.ofEpisode(accepted.episodeId);
    // A record written by a fan-out that died before queuing its job (to a contact the directory
    // still lists: one it does not would be superseded at send time).
    const strandedId = 'dl_' + 'a'.repeat(24);
    await store.create({ ...sent!, deliveryId: strandedId, status: 'pending' }, new Date(), 'created');
    smtp.clear();

    const deps = { deliveries: store, deliver: app.queues.deliver, attempts: 3, staleAfterMs: { pending: 60_000, sending: 60_000 } };
    expect(await sweepDeliveries({ ...deps, now: () => new Date() })).toBe(0);
    expect(await sweepDeliveries({ ...deps, now: () => new Date(Date.now() + 120_000) })).toBe(1);
    const mails = await smtp.waitFor((m) => m.length >= 1);
    expect(mails[0]!.messageId).toBe(`<${strandedId}@localhost>`);
    await drained(app.queues);
    expect((await store.get(strandedId))?.status).toBe('sent');
    expect(await sweepDeliveries({ ...deps, now: () => new Date(Date.now() + 120_000) })).toBe(0);
    expect(smtp.mails).toHaveLength(1);
  });

  it('leaves a delivery alone while its job waits for a retry', async () => {
    smtp.respondWith(451);
    const report = reportedEvent({ child: { ...reportedEvent().child, gpOdsCode: undefined, postcodeDistrict: 'NE46', schoolUrn: '990500' } });
    const accepted = await (await app.post('/api/v1/events', report)).json();
    const store = createDeliveryStore(app.redis, app.config.queuePrefix);
    // The precondition: the delivery is retrying and its job waits (delayed) for the next attempt.
    const [retrying] = await until(() => store.ofEpisode(accepted.episodeId), (ds) => ds[0]?.status === 'retrying', 'the delivery retrying');
    expect(await (await app.queues.deliver.getJob(retrying!.deliveryId))?.getState()).toBe('delayed');
    const deps = { deliveries: store, deliver: app.queues.deliver, attempts: 3, staleAfterMs: { retrying: 1 } };
    expect(await sweepDeliveries({ ...deps, now: () => new Date(Date.now() + 60_000) })).toBe(0);
    expect((await store.get(retrying!.deliveryId))?.status).toBe('retrying');
  });
});
