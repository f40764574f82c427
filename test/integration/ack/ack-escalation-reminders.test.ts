import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAckToken } from '../../../src/ack/ack-token';
import { createDeliveryStore, type DeliveryWithHistory } from '../../../src/delivery/delivery.store';
import { TEST_SECRET, startTestApp, type TestApp } from '../../helpers/app';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { foundEvent, reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';

const MASH = 'mash-team@endeavor.test';
const POLICE = 'mispers@police.example.test';
const DSL = 'dsl@school-990001.endeavor.test';
const DEPUTY = 'deputy@school-990001.endeavor.test';

let smtp: TestSmtp;
let app: TestApp;
/** The workers' and the app's clock: tests move it forward to pass deadlines. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    now: clock,
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
  offsetMs = 0;
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
  const mails = smtp.mails.filter((x) => x.subject.includes(report.policeReference));
  const deadline = Date.now() + 5000;
  let deliveries: DeliveryWithHistory[] = [];
  while (Date.now() < deadline) {
    deliveries = await store().ofEpisode(episodeId);
    if (deliveries.length === 4 && deliveries.every((d) => d.status === 'sent')) break;
    await sleep(50);
  }
  smtp.clear();
  return { report, episodeId, mails, deliveries };
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

describe('escalation', () => {
  it('escalates an unacknowledged direct delivery exactly once after its deadline, to the deputies and MASH', async () => {
    const { report, episodeId, deliveries, mails } = await reportAndWait({ risk: 'medium' });
    // Before the deadline: nothing.
    offsetMs = 50 * 60_000;
    await sleep(2500);
    expect(about(report.policeReference).filter((m) => m.subject.includes('Not acknowledged'))).toHaveLength(0);

    offsetMs = 61 * 60_000;
    await smtp.waitFor((m) => about(report.policeReference, m).filter((x) => x.subject.includes('Not acknowledged')).length >= 1, 8000);
    await sleep(2500);
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

    // Still escalated once, however long we wait.
    offsetMs = 5 * 3600_000;
    await sleep(2500);
    expect(about(report.policeReference).filter((m) => m.subject.includes('Not acknowledged')).length).toBe(notices.length);

    // A receipt after the escalation is still recorded.
    const path = ackLink(mails.find((m) => m.to[0] === DSL)!)!;
    const { csrf } = await form(path);
    expect((await postForm(path, { csrf: csrf! })).status).toBe(200);
    const dsl = (await store().ofEpisode(episodeId)).find((d) => d.contact.email === DSL && d.kind === 'alert')!;
    expect(dsl.escalatedAt).not.toBeNull();
    expect(dsl.acknowledgedAt).not.toBeNull();
  });

  it('escalates a high-risk alert at half the deadline', async () => {
    const { report, deliveries, episodeId } = await reportAndWait({ risk: 'high' });
    offsetMs = 25 * 60_000;
    await sleep(2500);
    expect(about(report.policeReference)).toHaveLength(0);
    offsetMs = 31 * 60_000;
    await smtp.waitFor((m) => about(report.policeReference, m).filter((x) => x.subject.includes('Not acknowledged')).length >= 1, 8000);
    expect(deliveries.length).toBe(4);
    const after = await store().ofEpisode(episodeId);
    expect(after.filter((d) => d.escalatedAt !== null).length).toBeGreaterThan(0);
  });

  it('never escalates an acknowledged delivery', async () => {
    const { report, mails, deliveries, episodeId } = await reportAndWait({ risk: 'medium' });
    for (const email of [DSL, DEPUTY, 'lead@gp-y90001.endeavor.test']) {
      const path = ackLink(mails.find((m) => m.to[0] === email)!)!;
      const { csrf } = await form(path);
      expect((await postForm(path, { csrf: csrf! })).status).toBe(200);
    }
    offsetMs = 3 * 3600_000;
    await sleep(3000);
    expect(about(report.policeReference).filter((m) => m.subject.includes('Not acknowledged'))).toHaveLength(0);
    const after = await store().ofEpisode(episodeId);
    expect(after.every((d) => d.escalatedAt === null)).toBe(true);
    expect(deliveries).toHaveLength(4);
  });
});

describe('reminders', () => {
  it('reminds only direct recipients while the episode is open, threaded to their alert, and stops when it closes', async () => {
    const { report, mails, episodeId } = await reportAndWait({ risk: 'low' });
    // Acknowledge everything so escalations do not mix in.
    for (const email of [DSL, DEPUTY, 'lead@gp-y90001.endeavor.test']) {
      const path = ackLink(mails.find((m) => m.to[0] === email)!)!;
      const { csrf } = await form(path);
      await postForm(path, { csrf: csrf! });
    }
    offsetMs = 23 * 3600_000;
    await sleep(2500);
    expect(about(report.policeReference)).toHaveLength(0);

    offsetMs = 24 * 3600_000 + 60_000;
    await smtp.waitFor((m) => about(report.policeReference, m).length >= 3, 8000);
    await sleep(1500);
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
    await app.post('/api/v1/events', foundEvent(report.policeReference));
    await smtp.waitFor((m) => about(report.policeReference, m).length >= 4);
    smtp.clear();
    offsetMs = 72 * 3600_000;
    await sleep(3000);
    expect(about(report.policeReference).filter((m) => m.subject.includes('update'))).toHaveLength(0);
  });

  it('sends no reminders when REMINDER_INTERVAL_HOURS is 0', async () => {
    const quiet = await startTestApp({
      workers: true,
      smtpUrl: `${smtp.url}?requireTLS=false`,
      now: clock,
      env: { REMINDER_INTERVAL_HOURS: '0', SCHOOL_HOURS: 'always' },
    });
    try {
      await seedDirectory(quiet.redis, quiet.config.queuePrefix, [school('990001', { locality: 'Alnwick' })]);
      const report = alnwickReport({ child: { ...alnwickReport().child, gpOdsCode: undefined } });
      await quiet.post('/api/v1/events', report);
      await smtp.waitFor((m) => about(report.policeReference, m).length >= 1);
      offsetMs = 100 * 3600_000;
      await sleep(2500);
      expect(about(report.policeReference).filter((m) => m.subject.includes('update'))).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});
