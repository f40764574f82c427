import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { foundEvent, reportedEvent, updatedEvent } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { drained } from '../../helpers/drain';
import { until } from '../../helpers/until';

let smtp: TestSmtp;
let app: TestApp;
const about = (ref: string) => smtp.mails.filter((m) => m.subject.includes(ref));
const waitAbout = (ref: string, predicate: (mails: CaughtMail[]) => boolean) => smtp.waitFor(() => predicate(about(ref)), 10_000).then(() => about(ref));
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({ workers: true, smtpUrl: `${smtp.url}?requireTLS=false`, env: { RETRY_ATTEMPTS: '1' } });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { locality: 'Blyth', postcode: 'NE24 1AA' }),
    practice('Y90001', { locality: 'Blyth', postcode: 'NE24 2BB' }),
  ]);
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const blyth = (overrides: Record<string, unknown> = {}) => reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE24' }, ...overrides });

describe('events that arrive or are fanned out out of order', () => {
  it('an alert carries an update that was stored before the report was fanned out', async () => {
    const report = blyth({ risk: 'low', occurredAt: iso(120_000) });
    const update = updatedEvent(report.policeReference, { risk: 'high', note: 'Seen boarding a bus to the coast (fictional).', occurredAt: iso(60_000) });
    expect((await app.post('/api/v1/events', update)).status).toBe(202);
    await drained(app.queues);
    expect((await app.post('/api/v1/events', report)).status).toBe(202);
    const alerts = await waitAbout(report.policeReference, (m) => m.length >= 2);
    for (const alert of alerts) {
      expect(alert.subject).toBe(`[Operation Endeavor] HIGH risk: missing child alert, ref ${report.policeReference}`);
      expect(alert.text).toContain('Seen boarding a bus to the coast (fictional).');
    }
  });

  it('announces found even when an update fanned out after the found was stored, and supersedes what was pending', async () => {
    const report = blyth();
    await app.post('/api/v1/events', report);
    await waitAbout(report.policeReference, (m) => m.length >= 2);
    await app.queues.fanout.pause();
    try {
      await app.post('/api/v1/events', updatedEvent(report.policeReference, { occurredAt: iso(20_000) }));
      await app.post('/api/v1/events', foundEvent(report.policeReference, { occurredAt: iso(5_000), foundAt: iso(6_000) }));
    } finally {
      await app.queues.fanout.resume();
    }
    const mails = await waitAbout(report.policeReference, (m) => m.filter((x) => x.subject.includes('missing child found')).length >= 2);
    expect(mails.filter((x) => x.subject.includes('missing child found')).map((m) => m.to[0]).sort()).toEqual([
      'dsl@school-990001.endeavor.test',
      'lead@gp-y90001.endeavor.test',
    ]);
  });

  it('supersedes, rather than sends, a failed alert retried after the episode closed', async () => {
    smtp.respondWith((mail) => (mail.to.includes('dsl@school-990001.endeavor.test') ? 550 : 250));
    const report = blyth();
    const { episodeId } = await (await app.post('/api/v1/events', report)).json();
    const failed = (await until(() => app.stores.deliveries.ofEpisode(episodeId), (ds) => ds.some((d) => d.status === 'failed'), 'a failed alert')).find(
      (d) => d.status === 'failed',
    )!.deliveryId;
    smtp.respondWith(250);
    await app.post('/api/v1/events', foundEvent(report.policeReference));
    await waitAbout(report.policeReference, (m) => m.some((x) => x.subject.includes('missing child found')));
    await drained(app.queues);
    const user = asUser(app, await signIn(app, 'mash'));
    expect((await user.post(`/api/v1/deliveries/${failed}/retry`, { json: {} })).status).toBe(202);
    await until(() => app.stores.deliveries.get(failed), (d) => d?.status === 'superseded', 'the retried alert superseded');
    await drained(app.queues);
    expect(about(report.policeReference).filter((m) => m.to.includes('dsl@school-990001.endeavor.test') && m.subject.includes('alert'))).toHaveLength(0);
  });
});
