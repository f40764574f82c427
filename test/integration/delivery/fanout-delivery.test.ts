import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore, type DeliveryWithHistory } from '../../../src/delivery/delivery.store';
import { createEpisodeStore } from '../../../src/episodes/episode.store';
import { startTestApp, type TestApp } from '../../helpers/app';
import { drained } from '../../helpers/drain';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { cancelledEvent, foundEvent, reportedEvent, updatedEvent, uniqueId } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

let smtp: TestSmtp;
let app: TestApp;

const MASH = 'mash-team@endeavor.test';
const DIRECT = ['dsl@school-990001.endeavor.test', 'deputy@school-990001.endeavor.test', 'lead@gp-y90001.endeavor.test'];
const AREA = ['dsl@school-990002.endeavor.test', 'lead@gp-y90002.endeavor.test'];

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { RETRY_ATTEMPTS: '3', RETRY_BASE_MS: '50', RETRY_MAX_DELAY_MS: '200', MASH_EMAIL: MASH },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', {
      contacts: [
        contact('Fictional DSL', 'dsl', 'dsl@school-990001.endeavor.test'),
        contact('Fictional Deputy', 'deputy', 'deputy@school-990001.endeavor.test'),
        contact('Gone Away', 'deputy', 'left@school-990001.endeavor.test', { active: false }),
      ],
    }),
    practice('Y90001'),
    school('990002'),
    practice('Y90002'),
    school('990003', { receivesAreaAlerts: false }),
    school('990004', { active: false }),
    school('990005', { locality: 'Hexham', postcode: 'NE46 1AA' }),
  ]);
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const deliveries = () => createDeliveryStore(app.redis, app.config.queuePrefix);
const episodes = () => createEpisodeStore(app.redis, app.config.queuePrefix);
const to = (mails: CaughtMail[]) => mails.flatMap((m) => m.to).sort();

async function post(event: Record<string, unknown>) {
  const res = await app.post('/api/v1/events', event);
  expect([200, 202]).toContain(res.status);
  return (await res.json()) as { episodeId: string };
}

const waitForDeliveries = (episodeId: string, done: (all: DeliveryWithHistory[]) => boolean) =>
  until(() => deliveries().ofEpisode(episodeId), done, `deliveries of ${episodeId}`);

/** The mail about one episode only: a late message of an earlier test must not count here. */
function mine(ref: string) {
  const about = (mails: CaughtMail[]) => mails.filter((m) => m.subject.includes(ref));
  return {
    get mails() {
      return about(smtp.mails);
    },
    waitFor: async (predicate: (mails: CaughtMail[]) => boolean, timeoutMs?: number) => {
      await smtp.waitFor((m) => predicate(about(m)), timeoutMs);
      return about(smtp.mails);
    },
  };
}

const settled = (all: DeliveryWithHistory[], n: number) => all.length === n && all.every((d) => ['sent', 'failed', 'superseded'].includes(d.status));

describe('fan-out of a report', () => {
  it('emails the child’s school and GP in full and the rest of the locality in brief, and no one else', async () => {
    const report = reportedEvent();
    const box = mine(report.policeReference);
    await post(report);
    const mails = await box.waitFor((m) => m.length >= 5);
    await drained(app.queues);
    expect(box.mails).toHaveLength(5);
    expect(to(mails)).toEqual([...DIRECT, ...AREA].sort());

    for (const mail of mails) {
      expect(mail.subject).toBe(`[Operation Endeavor] HIGH risk: missing child alert, ref ${report.policeReference}`);
      expect(mail.subject).not.toMatch(/Testchild|Fictional/);
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.messageId).toMatch(/^<dl_[0-9a-f]{24}@localhost>$/);
      expect(mail.text).toContain('Testchild');
    }
    for (const mail of mails.filter((m) => DIRECT.includes(m.to[0]!))) {
      expect(mail.text).toContain('14 May 2013');
      expect(mail.text).toMatch(/http:\/\/localhost:0\/ack\/dl_[0-9a-f]{24}\.\d+\.[\w-]{43}/);
      expect(mail.html).toContain('/ack/dl_');
    }
    for (const mail of mails.filter((m) => AREA.includes(m.to[0]!))) {
      expect(mail.text).not.toContain('14 May 2013');
      expect(mail.text).not.toContain('2013');
      expect(mail.text).not.toContain('/ack/');
      expect(mail.text).toMatch(/Age/);
    }
  });

  it('records one sent delivery per contact, with history, and reports the event done', async () => {
    const report = reportedEvent();
    const { episodeId } = await post(report);
    const all = await waitForDeliveries(episodeId, (d) => settled(d, 5));
    expect(all.map((d) => d.status)).toEqual(Array(5).fill('sent'));
    expect(all.filter((d) => d.audience === 'direct')).toHaveLength(3);
    for (const d of all) {
      expect(d.attempts).toBe(1);
      expect(d.sentAt).not.toBeNull();
      expect(d.history.map((h) => h.status)).toEqual(['pending', 'sending', 'sent']);
    }
    const status = await (await app.get(`/api/v1/events/${report.eventId}`)).json();
    expect(status).toMatchObject({ state: 'done', deliveries: { sent: 5 } });
  });

  it('sends nothing twice when the same event is posted again', async () => {
    const report = reportedEvent();
    const box = mine(report.policeReference);
    await post(report);
    await box.waitFor((m) => m.length >= 5);
    await post(report);
    await drained(app.queues);
    expect(box.mails).toHaveLength(5);
  });

  it('records an unknown school as unroutable on the episode and still alerts the GP and the area', async () => {
    const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: '999999' } });
    const box = mine(report.policeReference);
    const { episodeId } = await post(report);
    await box.waitFor((m) => m.length >= 5);
    await drained(app.queues);
    // The GP in full; the child's school is unknown, so every other school of the locality (990001 too) in brief.
    expect(to(box.mails)).toEqual(['lead@gp-y90001.endeavor.test', ...DIRECT.slice(0, 2), ...AREA].sort());
    const gp = box.mails.find((m) => m.to[0] === 'lead@gp-y90001.endeavor.test')!;
    expect(gp.text).toContain('14 May 2013');
    const episode = await episodes().get(episodeId);
    expect(episode?.unroutable).toEqual([{ type: 'school', id: '999999' }]);
  });
});

describe('follow-ups', () => {
  it('sends an update to exactly the earlier recipients, threaded to the alert each one got', async () => {
    const report = reportedEvent();
    const box = mine(report.policeReference);
    await post(report);
    const alerts = await box.waitFor((m) => m.length >= 5);
    smtp.clear();
    await post(updatedEvent(report.policeReference, { risk: 'medium' }));
    const updates = await box.waitFor((m) => m.length >= 5);
    await drained(app.queues);
    expect(box.mails).toHaveLength(5);
    expect(to(updates)).toEqual(to(alerts));
    for (const update of updates) {
      const alert = alerts.find((a) => a.to[0] === update.to[0])!;
      expect(update.subject).toBe(`[Operation Endeavor] MEDIUM risk: missing child update, ref ${report.policeReference}`);
      expect(update.headers.get('in-reply-to')).toBe(alert.messageId);
      expect(update.headers.get('references')).toBe(alert.messageId);
    }
  });

  it('brings new direct recipients when an update names another school', async () => {
    const report = reportedEvent();
    const box = mine(report.policeReference);
    await post(report);
    await box.waitFor((m) => m.length >= 5);
    smtp.clear();
    await post(updatedEvent(report.policeReference, { child: { schoolUrn: '990005' } }));
    const updates = await box.waitFor((m) => m.length >= 6);
    const newcomer = updates.find((m) => m.to[0] === 'dsl@school-990005.endeavor.test')!;
    expect(newcomer.text).toContain('14 May 2013');
    expect(newcomer.text).toContain('/ack/');
    expect(newcomer.headers.get('in-reply-to')).toBeUndefined();
  });

  it('closes the episode on found: everyone alerted hears, nothing is sent after', async () => {
    const report = reportedEvent();
    const box = mine(report.policeReference);
    const { episodeId } = await post(report);
    await box.waitFor((m) => m.length >= 5);
    smtp.clear();
    await post(foundEvent(report.policeReference));
    const found = await box.waitFor((m) => m.length >= 5);
    for (const mail of found) {
      expect(mail.subject).toBe(`[Operation Endeavor] HIGH risk: missing child found, ref ${report.policeReference}`);
      expect(mail.text).toMatch(/closed/i);
      expect(mail.text).toMatch(/watch list/i);
    }
    const episode = await episodes().get(episodeId);
    expect(episode?.state).toBe('found');
    expect(episode?.returnInterviewDueAt).toBeDefined();
    smtp.clear();
    await post(updatedEvent(report.policeReference));
    await post(cancelledEvent(report.policeReference));
    await drained(app.queues);
    expect(box.mails).toHaveLength(0);
  });

  it('supersedes alerts still pending when the episode closes, and never sends them', async () => {
    // Its own app, whose retries wait a minute: the alert stays "retrying" until the cancel comes.
    const slow = await startTestApp({ workers: true, smtpUrl: `${smtp.url}?requireTLS=false`, env: { RETRY_BASE_MS: '60000' } });
    try {
      await seedDirectory(slow.redis, slow.config.queuePrefix, [school('990005', { locality: 'Hexham', postcode: 'NE46 1AA' })]);
      smtp.respondWith(451);
      const report = reportedEvent({ child: { ...reportedEvent().child, gpOdsCode: undefined, postcodeDistrict: 'NE46', schoolUrn: '990005' } });
      const box = mine(report.policeReference);
      const { episodeId } = (await (await slow.post('/api/v1/events', report)).json()) as { episodeId: string };
      const store = createDeliveryStore(slow.redis, slow.config.queuePrefix);
      const settledAs = (done: (all: DeliveryWithHistory[]) => boolean) => until(() => store.ofEpisode(episodeId), done, 'deliveries');
      await settledAs((all) => all.length === 1 && all[0]!.status === 'retrying');
      expect((await slow.post('/api/v1/events', cancelledEvent(report.policeReference))).status).toBe(202);
      const all = await settledAs((d) => d.length === 1 && d[0]!.status === 'superseded');
      smtp.respondWith(250);
      await drained(app.queues);
      expect(all.map((d) => d.kind)).toEqual(['alert']);
      expect(box.mails).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });

  it('records a report that arrives after its episode closed as superseded, and sends nothing', async () => {
    const ref = uniqueId('NP');
    const box = mine(ref);
    const { episodeId } = await post(foundEvent(ref));
    await drained(app.queues);
    await post(reportedEvent({ policeReference: ref }));
    const all = await waitForDeliveries(episodeId, (d) => d.length === 5);
    expect(all.every((d) => d.status === 'superseded')).toBe(true);
    await drained(app.queues);
    expect(box.mails).toHaveLength(0);
    expect((await episodes().get(episodeId))?.state).toBe('found');
  });
});

describe('retries and failures', () => {
  it('retries a temporary failure (451) and records the attempts in the history', async () => {
    let answered = 0;
    smtp.respondWith(() => (answered++ < 5 ? 451 : 250));
    const report = reportedEvent();
    const { episodeId } = await post(report);
    const all = await waitForDeliveries(episodeId, (d) => settled(d, 5));
    expect(all.every((d) => d.status === 'sent')).toBe(true);
    expect(all.every((d) => d.attempts === 2)).toBe(true);
    for (const d of all) expect(d.history.map((h) => h.status)).toEqual(['pending', 'sending', 'retrying', 'sending', 'sent']);
  });

  it('stops retrying after RETRY_ATTEMPTS and marks the delivery failed, telling MASH of direct ones', async () => {
    smtp.respondWith((mail) => (mail.to.includes(MASH) ? 250 : 451));
    const report = reportedEvent();
    const box = mine(report.policeReference);
    const { episodeId } = await post(report);
    const all = await waitForDeliveries(episodeId, (d) => settled(d, 5));
    expect(all.every((d) => d.status === 'failed' && d.attempts === 3)).toBe(true);
    expect(all[0]!.lastError).toMatch(/451/);
    const notices = await box.waitFor((m) => m.filter((x) => x.to.includes(MASH)).length >= 3, 15_000);
    const toMash = notices.filter((m) => m.to.includes(MASH));
    expect(toMash).toHaveLength(3);
    for (const notice of toMash) {
      expect(notice.subject).toBe(`[Operation Endeavor] Delivery failed: ref ${report.policeReference}`);
      expect(notice.text).not.toContain('Testchild');
      expect(notice.text).not.toContain('2013');
      expect(notice.text).toContain(`/dashboard/episodes/${episodeId}`);
    }
  });

  it('fails a permanent refusal (550) at once, without retrying', async () => {
    smtp.respondWith((mail) => (mail.to.includes(MASH) ? 250 : 550));
    const { episodeId } = await post(reportedEvent());
    const all = await waitForDeliveries(episodeId, (d) => settled(d, 5));
    expect(all.every((d) => d.status === 'failed' && d.attempts === 1)).toBe(true);
    expect(all[0]!.lastError).toMatch(/550/);
    expect(all[0]!.lastError).not.toMatch(/endeavor\.test/);
    // Five sends, each refused once, and the three notices to MASH of the direct ones: nothing retried.
    await smtp.waitFor((m) => m.filter((x) => x.to.includes(MASH)).length >= 3, 10_000);
    await drained(app.queues);
    expect(smtp.attempts).toBe(5 + 3);
  });
});
