import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAckToken } from '../../../src/ack/ack-token';
import { createDeliveryStore, type DeliveryWithHistory } from '../../../src/delivery/delivery.store';
import { TEST_SECRET, startTestApp, type TestApp } from '../../helpers/app';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { foundEvent, reportedEvent } from '../../helpers/factories';
import { drained } from '../../helpers/drain';
import { escalateAt, later, remindAt } from '../../helpers/maintenance';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';

const MASH = 'mash-team@endeavor.test';
const POLICE = 'mispers@police.example.test';
const DSL = 'dsl@school-990001.endeavor.test';
const DEPUTY = 'deputy@school-990001.endeavor.test';

/*
 * Escalation and reminders are run directly at a chosen moment (escalateAt, remindAt) rather
 * than by moving the workers' clock and waiting for the scheduler; the notices and reminders
 * they queue are sent by the real workers, and `drained` waits for that before counting mail.
 */
const MINUTE = 60_000;
const HOUR = 3600_000;

let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { MASH_EMAIL: MASH, SCHOOL_HOURS: 'always', ACK_DEADLINE_SECONDS: '3600', REMINDER_INTERVAL_HOURS: '24', POLICE_CONTACT_DOMAINS: 'police.example.test' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', {
      locality: 'Alnwick',
      contacts: [contact('Fictional DSL', 'dsl', DSL), contact('Fictional Deputy', 'deputy', DEPUTY)],
    }),
    practice('Y90001', { locality: 'Alnwick' }),
    school('990002', { locality: 'Alnwick' }),
  ]);
});
afterEach(() => {
  smtp.clear();
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const store = () => createDeliveryStore(app.redis, app.config.queuePrefix);
const alnwickReport = (overrides: Record<string, unknown> = {}) =>
  reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' }, ...overrides });

async function reportAndWait(overrides: Record<string, unknown> = {}) {
  const report = alnwickReport(overrides);
  const { episodeId } = (await (await app.post('/api/v1/events', report)).json()) as { episodeId: string };
  await smtp.waitFor((m) => m.filter((x) => x.subject.includes(report.policeReference)).length >= 4);
  await drained(app.queues, { deliveries: store() });
  const mails = smtp.mails.filter((x) => x.subject.includes(report.policeReference));
  const deliveries: DeliveryWithHistory[] = await store().ofEpisode(episodeId);
  // Every test below starts from here: four deliveries, all sent, four emails.
  expect(deliveries.map((d) => d.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  expect(mails).toHaveLength(4);
  smtp.clear();
  /** No delivery of this episode was sent after this moment: deadlines count from before it. */
  const sent = new Date();
  return { report, episodeId, mails, deliveries, sent };
}

/** Mail about one episode: other tests' episodes also react when the clock moves. */
const about = (ref: string, mails: CaughtMail[] = smtp.mails) => mails.filter((m) => m.subject.includes(ref));

const ackLink = (mail: CaughtMail) => /http:\/\/localhost:0(\/ack\/[^\s"<>]+)/.exec(mail.text)?.[1];

async function form(path: string) {
  const page = await fetch(app.url + path);
  const text = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  return { page, text, csrf };
}

function postForm(path: string, fields: Record<string, string>) {
  return fetch(app.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

describe('the acknowledgement link', () => {
  it('shows the reference and organisation, no personal data of the child, and changes nothing', async () => {
    const { report, mails, deliveries } = await reportAndWait();
    const mail = mails.find((m) => m.to[0] === DSL)!;
    const path = ackLink(mail)!;
    expect(path).toBeDefined();
    const { page, text } = await form(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(text).toContain(report.policeReference);
    expect(text).toContain('Fictional School 990001');
    expect(text).toContain('Confirm receipt');
    expect(text).not.toContain('Testchild');
    expect(text).not.toContain('Fictional</');
    expect(text).not.toContain('2013');
    await fetch(app.url + path);
    const after = await store().get(deliveries.find((d) => d.contact.email === DSL)!.deliveryId);
    expect(after?.acknowledgedAt).toBeNull();
  });

  it('records receipt once on POST; posting again is harmless', async () => {
    const { mails, deliveries } = await reportAndWait();
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const { csrf } = await form(path);
    const first = await postForm(path, { csrf: csrf! });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Receipt confirmed');
    const id = deliveries.find((d) => d.contact.email === DSL)!.deliveryId;
    const once = await store().get(id);
    expect(once?.acknowledgedAt).not.toBeNull();
    const again = await postForm(path, { csrf: csrf! });
    expect(again.status).toBe(200);
    const twice = await store().get(id);
    expect(twice?.acknowledgedAt).toBe(once?.acknowledgedAt);
    expect(twice?.history.filter((h) => h.status === 'acknowledged')).toHaveLength(1);
  });

  it('refuses a POST without the form’s CSRF token and records nothing', async () => {
    const { mails, deliveries } = await reportAndWait();
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const res = await postForm(path, { csrf: 'forged' });
    expect(res.status).toBe(403);
    expect((await store().get(deliveries.find((d) => d.contact.email === DSL)!.deliveryId))?.acknowledgedAt).toBeNull();
  });

  it('answers a tampered token with 404 and an expired one with 410, as plain pages', async () => {
    const { mails, deliveries } = await reportAndWait();
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const tampered = path.slice(0, -2) + (path.endsWith('AA') ? 'BB' : 'AA');
    const bad = await fetch(app.url + tampered);
    expect(bad.status).toBe(404);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
    expect((await postForm(tampered, { csrf: 'x' })).status).toBe(404);
    const id = deliveries.find((d) => d.contact.email === DSL)!.deliveryId;
    const old = createAckToken(TEST_SECRET, id, new Date(Date.now() - 15 * 24 * 3600_000));
    const expired = await fetch(`${app.url}/ack/${old}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toMatch(/expired/i);
    expect((await fetch(`${app.url}/ack/not-a-token`)).status).toBe(404);
  });

  it('keeps the "in school today" answer and a note, and copies them to the police contact', async () => {
    const { report, mails, deliveries } = await reportAndWait();
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const { csrf } = await form(path);
    const res = await postForm(path, { csrf: csrf!, inSchoolToday: 'yes', note: 'Seen at the school gate at 08:40 (fictional).' });
    expect(res.status).toBe(200);
    const d = await store().get(deliveries.find((x) => x.contact.email === DSL)!.deliveryId);
    expect(d?.acknowledgement).toEqual({ inSchoolToday: true, note: 'Seen at the school gate at 08:40 (fictional).' });
    const [copy] = await smtp.waitFor((m) => m.some((x) => x.to.includes(POLICE)));
    const toPolice = smtp.mails.find((m) => m.to.includes(POLICE))!;
    expect(copy).toBeDefined();
    expect(toPolice.subject).toContain(report.policeReference);
    expect(toPolice.text).toContain('Seen at the school gate at 08:40 (fictional).');
    expect(toPolice.text).toMatch(/in school today/i);
  });

  it('rejects a note over 500 characters with a 400 page and records nothing', async () => {
    const { mails, deliveries } = await reportAndWait();
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const { csrf } = await form(path);
    const res = await postForm(path, { csrf: csrf!, note: 'x'.repeat(501) });
    expect(res.status).toBe(400);
    expect((await store().get(deliveries.find((d) => d.contact.email === DSL)!.deliveryId))?.acknowledgedAt).toBeNull();
  });
});

const notAcknowledged = (ref: string) => about(ref).filter((m) => m.subject.includes('Not acknowledged'));

describe('escalation', () => {
  it('escalates an unacknowledged direct delivery exactly once after its deadline, to the deputies and MASH', async () => {
    const { report, episodeId, deliveries, mails, sent } = await reportAndWait({ risk: 'medium' });
    // Before the deadline: nothing.
    await escalateAt(app, later(50 * MINUTE, sent));
    await drained(app.queues);
    expect(notAcknowledged(report.policeReference)).toHaveLength(0);
    expect((await store().ofEpisode(episodeId)).every((d) => d.escalatedAt === null)).toBe(true);

    await escalateAt(app, later(61 * MINUTE, sent));
    await drained(app.queues);
    const notices = smtp.mails.filter((m) => m.subject === `[Operation Endeavor] Not acknowledged: ref ${report.policeReference}`);
    // Three direct deliveries (DSL, deputy, GP lead): each escalated once. The deputy's own
    // notice goes only to MASH; the others also to the school's deputy.
    const direct = deliveries.filter((d) => d.audience === 'direct');
    expect(direct).toHaveLength(3);
    const recipients = notices.flatMap((m) => m.to).sort();
    expect(recipients).toEqual([DEPUTY, MASH, MASH, MASH].sort());
    for (const notice of notices) {
      expect(notice.text).not.toContain('Testchild');
      expect(notice.text).toContain(`/dashboard/episodes/${episodeId}`);
    }
    const after = await store().ofEpisode(episodeId);
    for (const d of after.filter((x) => x.audience === 'direct')) expect(d.escalatedAt).not.toBeNull();
    for (const d of after.filter((x) => x.audience === 'area')) expect(d.escalatedAt).toBeNull();

    // Still escalated once, however late it runs again.
    await escalateAt(app, later(61 * MINUTE, sent));
    await escalateAt(app, later(5 * HOUR, sent));
    await drained(app.queues);
    expect(notAcknowledged(report.policeReference)).toHaveLength(notices.length);

    // A receipt after the escalation is still recorded.
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const { csrf } = await form(path);
    expect((await postForm(path, { csrf: csrf! })).status).toBe(200);
    const dsl = (await store().ofEpisode(episodeId)).find((d) => d.contact.email === DSL && d.kind === 'alert')!;
    expect(dsl.escalatedAt).not.toBeNull();
    expect(dsl.acknowledgedAt).not.toBeNull();
  });

  it('escalates a high-risk alert at half the deadline', async () => {
    const { report, deliveries, episodeId, sent } = await reportAndWait({ risk: 'high' });
    await escalateAt(app, later(25 * MINUTE, sent));
    await drained(app.queues);
    expect(about(report.policeReference)).toHaveLength(0);
    await escalateAt(app, later(31 * MINUTE, sent));
    await drained(app.queues);
    expect(deliveries.length).toBe(4);
    const after = await store().ofEpisode(episodeId);
    expect(after.filter((d) => d.escalatedAt !== null)).toHaveLength(3);
    expect(notAcknowledged(report.policeReference).flatMap((m) => m.to).sort()).toEqual([DEPUTY, MASH, MASH, MASH].sort());
  });

  it('never escalates an acknowledged delivery', async () => {
    const { report, mails, deliveries, episodeId, sent } = await reportAndWait({ risk: 'medium' });
    for (const email of [DSL, DEPUTY, 'lead@gp-y90001.endeavor.test']) {
      const path = ackLink(mails.find((m) => m.to[0] === email)!)!;
      const { csrf } = await form(path);
      expect((await postForm(path, { csrf: csrf! })).status).toBe(200);
    }
    const acknowledged = await store().ofEpisode(episodeId);
    expect(acknowledged.filter((d) => d.acknowledgedAt !== null)).toHaveLength(3);
    await escalateAt(app, later(3 * HOUR, sent));
    await drained(app.queues);
    expect(notAcknowledged(report.policeReference)).toHaveLength(0);
    const after = await store().ofEpisode(episodeId);
    expect(after.every((d) => d.escalatedAt === null)).toBe(true);
    expect(deliveries).toHaveLength(4);
  });
});

describe('reminders', () => {
  it('reminds only direct recipients while the episode is open, threaded to their alert, and stops when it closes', async () => {
    const { report, mails, episodeId, sent } = await reportAndWait({ risk: 'low' });
    // Acknowledge everything, as a receipt does not stop reminders; escalations are not run here.
    for (const email of [DSL, DEPUTY, 'lead@gp-y90001.endeavor.test']) {
      const path = ackLink(mails.find((m) => m.to[0] === email)!)!;
      const { csrf } = await form(path);
      expect((await postForm(path, { csrf: csrf! })).status).toBe(200);
    }
    await remindAt(app, later(23 * HOUR, sent));
    await drained(app.queues, { deliveries: store() });
    expect(about(report.policeReference)).toHaveLength(0);

    await remindAt(app, later(24 * HOUR + MINUTE, sent));
    await drained(app.queues, { deliveries: store() });
    const reminders = about(report.policeReference);
    expect(reminders).toHaveLength(3);
    expect(reminders.flatMap((m) => m.to).sort()).toEqual([DEPUTY, DSL, 'lead@gp-y90001.endeavor.test'].sort());
    for (const reminder of reminders) {
      expect(reminder.subject).toBe(`[Operation Endeavor] LOW risk: missing child update, ref ${report.policeReference}`);
      expect(reminder.text).toMatch(/still missing/i);
      const alert = mails.find((m) => m.to[0] === reminder.to[0])!;
      expect(reminder.headers.get('in-reply-to')).toBe(alert.messageId);
    }
    const kinds = (await store().ofEpisode(episodeId)).map((d) => d.kind);
    expect(kinds.filter((k) => k === 'reminder')).toHaveLength(3);

    smtp.clear();
    expect((await app.post('/api/v1/events', foundEvent(report.policeReference))).status).toBe(202);
    await smtp.waitFor((m) => about(report.policeReference, m).length >= 4);
    await drained(app.queues, { deliveries: store() });
    smtp.clear();
    await remindAt(app, later(72 * HOUR, sent));
    await drained(app.queues, { deliveries: store() });
    expect(about(report.policeReference)).toHaveLength(0);
    expect((await store().ofEpisode(episodeId)).filter((d) => d.kind === 'reminder')).toHaveLength(3);
  });

  it('sends no reminders when REMINDER_INTERVAL_HOURS is 0', async () => {
    const quiet = await startTestApp({
      workers: true,
      smtpUrl: `${smtp.url}?requireTLS=false`,
      env: { REMINDER_INTERVAL_HOURS: '0', SCHOOL_HOURS: 'always' },
    });
    try {
      await seedDirectory(quiet.redis, quiet.config.queuePrefix, [school('990001', { locality: 'Alnwick' })]);
      const report = alnwickReport({ child: { ...alnwickReport().child, gpOdsCode: undefined } });
      const posted = await quiet.post('/api/v1/events', report);
      expect(posted.status).toBe(202);
      const { episodeId } = (await posted.json()) as { episodeId: string };
      await smtp.waitFor((m) => about(report.policeReference, m).length >= 1);
      await drained(quiet.queues, { deliveries: quiet.stores.deliveries });
      expect(quiet.config.reminderIntervalHours).toBe(0);
      expect(await remindAt(quiet, later(100 * HOUR))).toBe(0);
      await drained(quiet.queues, { deliveries: quiet.stores.deliveries });
      expect(about(report.policeReference).filter((m) => m.subject.includes('update'))).toHaveLength(0);
      expect((await quiet.stores.deliveries.ofEpisode(episodeId)).filter((d) => d.kind === 'reminder')).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});
