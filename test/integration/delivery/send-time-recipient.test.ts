import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverOne, type DeliverDeps } from '../../../src/delivery/deliver';
import type { DeliveryWithHistory, NewDelivery } from '../../../src/delivery/delivery.store';
import { createMailTransport, type MailTransport } from '../../../src/delivery/mail.transport';
import { episodeAsOf, foldEpisode } from '../../../src/episodes/episode';
import { fanOutEvent } from '../../../src/episodes/fan-out';
import { eventUid } from '../../../src/intake/ids';
import type { Organisation } from '../../../src/directory/organisation';
import { FEED_A, signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { CLAIM_CASES, CLAIM_URN, CLAIMED } from '../../helpers/claim-cases';
import { reportedEvent, uniqueId, updatedEvent } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { drained } from '../../helpers/drain';
import { until } from '../../helpers/until';

/*
 * SPEC §6 "The right person, at send time" and §11: a delivery goes to the contact as the
 * directory has it when it is sent. Each test uses its own school, so tests never share a contact.
 */

const MASH = 'mash-team@endeavor.test';
let smtp: TestSmtp;
let app: TestApp;
let mash: AsUser;
/** Every RCPT TO the server saw, accepted or not. */
let rcpts: string[] = [];
let refuse = new Set<string>();
let delay = new Set<string>();

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { NODE_ENV: 'development', RETRY_ATTEMPTS: '20', RETRY_BASE_MS: '100', RETRY_MAX_DELAY_MS: '200', MASH_EMAIL: MASH, REMINDER_INTERVAL_HOURS: '0' },
  });
  mash = asUser(app, await signIn(app, 'mash'));
});
afterEach(() => {
  smtp.clear();
  rcpts = [];
  refuse = new Set();
  delay = new Set();
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

function script() {
  smtp.respondToRcptWith((to) => {
    rcpts.push(to);
    return refuse.has(to) ? 550 : delay.has(to) ? 451 : 250;
  });
}

/** A school of its own for each test: its DSL, the person who replaces them, the report about a child there. */
async function setting(urn: string) {
  const oldDsl = contact('Fictional Leaver', 'dsl', `leaver@school-${urn}.endeavor.test`);
  const newDsl = contact('Fictional Successor', 'dsl', `successor@school-${urn}.endeavor.test`);
  const org = school(urn, { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: [oldDsl] });
  await seedDirectory(app.redis, app.config.queuePrefix, [org]);
  const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' } });
  return { org, oldDsl, newDsl, report };
}

const deliveriesOf = (episodeId: string) => app.stores.deliveries.ofEpisode(episodeId);
const about = (ref: string, mails: CaughtMail[] = smtp.mails) => mails.filter((m) => m.subject.includes(ref) || m.text.includes(ref));

async function postReport(report: ReturnType<typeof reportedEvent>) {
  const res = await app.post('/api/v1/events', report);
  expect(res.status).toBe(202);
  return ((await res.json()) as { episodeId: string }).episodeId;
}

describe('the right person at send time', () => {
  it('sends a retried alert to the DSL who replaced a leaver, never to the deactivated address, and tells MASH once', async () => {
    const { org, oldDsl, newDsl, report } = await setting('990101');
    script();
    refuse.add(oldDsl.email);
    const episodeId = await postReport(report);
    const failed = (await until(() => deliveriesOf(episodeId), (ds) => ds[0]?.status === 'failed', 'the alert to the leaver'))[0]!;
    const failureNotice = (await smtp.waitFor((m) => m.some((x) => x.to.includes(MASH) && x.subject.includes('Delivery failed'))))
      .find((x) => x.subject.includes('Delivery failed'))!;
    // The failure notice no longer tells staff to retry to the same person.
    expect(failureNotice.text).not.toMatch(/correct the contact.*then retry/i);
    expect(failureNotice.text).toMatch(/as the directory has it/i);

    // The admin deactivates the leaver and adds the new DSL.
    const replaced: Organisation = { ...org, contacts: [{ ...oldDsl, active: false }, newDsl] };
    await app.directory.put(replaced);
    refuse.clear();
    smtp.clear();
    rcpts = [];
    script();

    const res = await mash.post(`/api/v1/deliveries/${failed.deliveryId}/retry`, { json: {} });
    expect(res.status).toBe(202);

    const mails = await smtp.waitFor((m) => m.some((x) => x.to.includes(newDsl.email)) && m.some((x) => x.to.includes(MASH)));
    const toNew = mails.filter((m) => m.to.includes(newDsl.email));
    expect(toNew).toHaveLength(1);
    expect(toNew[0]!.subject).toMatch(/missing child alert/);
    const notice = mails.find((m) => m.to.includes(MASH))!;
    expect(notice.text).toContain(org.name);
    expect(notice.text).toMatch(/designated safeguarding lead/);
    expect(notice.text).toContain(`/dashboard/episodes/${episodeId}`);
    expect(notice.subject).not.toContain('Testchild');

    const after = await until(
      () => deliveriesOf(episodeId),
      (ds) => ds.find((d) => d.deliveryId === failed.deliveryId)?.status === 'superseded' && ds.some((d) => d.contact.email === newDsl.email && d.status === 'sent'),
      'the superseded alert and the new one',
    );
    const superseded = after.find((d) => d.deliveryId === failed.deliveryId)!;
    expect(superseded.history.at(-1)?.detail ?? '').toMatch(/superseded|notice/);
    expect(superseded.history.some((h) => h.status === 'superseded' && /deactivated/.test(h.detail))).toBe(true);
    const fresh = after.find((d) => d.contact.email === newDsl.email)!;
    expect(fresh).toMatchObject({ kind: 'alert', audience: 'direct', ackable: true });

    await drained(app.queues);
    expect(rcpts).not.toContain(oldDsl.email);
    expect(smtp.mails.filter((m) => m.to.includes(MASH))).toHaveLength(1);
  });

  it('sends an automatic retry to the address the directory has now, and records it', async () => {
    const { org, oldDsl, report } = await setting('990102');
    script();
    delay.add(oldDsl.email);
    const episodeId = await postReport(report);
    await until(() => deliveriesOf(episodeId), (ds) => ds[0]?.status === 'retrying', 'the alert retrying');
    const moved = { ...oldDsl, email: 'moved-dsl@school-990102.endeavor.test' };
    await app.directory.put({ ...org, contacts: [moved] });

    const mails = await smtp.waitFor((m) => m.some((x) => x.to.includes(moved.email)));
    expect(about(report.policeReference, mails).filter((m) => m.to.includes(moved.email))).toHaveLength(1);
    const [sent] = await until(() => deliveriesOf(episodeId), (ds) => ds[0]?.status === 'sent', 'the alert sent');
    expect(sent!.contact.email).toBe(moved.email);
    expect(smtp.mails.some((m) => m.to.includes(oldDsl.email))).toBe(false);
  });

  it('supersedes a pending update to a contact deactivated since it was planned, and the successor gets the alert', async () => {
    const { org, oldDsl, newDsl, report } = await setting('990103');
    script();
    const episodeId = await postReport(report);
    await smtp.waitFor((m) => m.some((x) => x.to.includes(oldDsl.email)));
    await until(() => deliveriesOf(episodeId), (ds) => ds[0]?.status === 'sent', 'the alert sent');
    smtp.clear();
    script();
    // The update is planned while the leaver is active, then held at RCPT until they have left.
    delay.add(oldDsl.email);
    expect((await app.post('/api/v1/events', updatedEvent(report.policeReference))).status).toBe(202);
    await until(() => deliveriesOf(episodeId), (ds) => ds.some((d) => d.kind === 'update' && d.status === 'retrying'), 'the update retrying');
    await app.directory.put({ ...org, contacts: [{ ...oldDsl, active: false }, newDsl] });

    await smtp.waitFor((m) => m.some((x) => x.to.includes(newDsl.email)) && m.some((x) => x.to.includes(MASH)));
    const after = await until(
      () => deliveriesOf(episodeId),
      (ds) => ds.some((d) => d.kind === 'update' && d.status === 'superseded') && ds.some((d) => d.contact.email === newDsl.email && d.status === 'sent'),
      'update superseded, successor alerted',
    );
    const toNew = after.filter((d: DeliveryWithHistory) => d.contact.email === newDsl.email);
    expect(toNew.map((d) => d.kind)).toEqual(['alert']);
    expect(smtp.mails.filter((m) => m.to.includes(oldDsl.email))).toHaveLength(0);
  });

  it('supersedes an area delivery to a deactivated organisation without telling MASH', async () => {
    const urn = '990104';
    const areaOrg = practice('Y90104', { locality: 'Hexham', postcode: 'NE46 2BB', contacts: [contact('Fictional Area Lead', 'safeguarding_lead', 'lead@gp-y90104.endeavor.test')] });
    const { org, report } = await setting(urn);
    await seedDirectory(app.redis, app.config.queuePrefix, [areaOrg]);
    script();
    delay.add('lead@gp-y90104.endeavor.test');
    const episodeId = await postReport(report);
    await until(() => deliveriesOf(episodeId), (ds) => ds.some((d) => d.audience === 'area' && d.status === 'retrying'), 'the area delivery retrying');
    await app.directory.put({ ...areaOrg, active: false, deactivatedBy: 'admin' });
    const after = await until(
      () => deliveriesOf(episodeId),
      (ds) => ds.find((d) => d.audience === 'area')?.status === 'superseded',
      'the area delivery superseded',
    );
    expect(after.find((d) => d.audience === 'area')!.history.some((h) => /organisation has been deactivated/.test(h.detail))).toBe(true);
    await drained(app.queues);
    expect(smtp.mails.filter((m) => m.to.includes(MASH))).toHaveLength(0);
    expect(smtp.mails.filter((m) => m.to.includes(org.contacts[0]!.email))).toHaveLength(1);
  });
});

describe('reminders at send time', () => {
  it('supersedes a leaver’s reminder, tells MASH, and alerts the successor, who then gets the reminders', async () => {
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    const own = await startTestApp({
      workers: true,
      smtpUrl: `${smtp.url}?requireTLS=false`,
      now: clock,
      env: { NODE_ENV: 'development', MASH_EMAIL: MASH, SCHOOL_HOURS: 'always', REMINDER_INTERVAL_HOURS: '24', ACK_DEADLINE_SECONDS: String(30 * 24 * 3600) },
    });
    try {
      const urn = '990110';
      const oldDsl = contact('Fictional Leaver', 'dsl', `leaver@school-${urn}.endeavor.test`);
      const newDsl = contact('Fictional Successor', 'dsl', `successor@school-${urn}.endeavor.test`);
      const org = school(urn, { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: [oldDsl] });
      await seedDirectory(own.redis, own.config.queuePrefix, [org]);
      const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' } });
      const { episodeId } = (await (await own.post('/api/v1/events', report)).json()) as { episodeId: string };
      await smtp.waitFor((m) => m.some((x) => x.to.includes(oldDsl.email)));
      await until(() => own.stores.deliveries.ofEpisode(episodeId), (ds) => ds[0]?.status === 'sent', 'the alert sent');
      await own.directory.put({ ...org, contacts: [{ ...oldDsl, active: false }, newDsl] });
      smtp.clear();

      offsetMs = 24 * 3600_000 + 60_000;
      const mails = await smtp.waitFor((m) => m.some((x) => x.to.includes(newDsl.email)) && m.some((x) => x.to.includes(MASH)), 10_000);
      expect(mails.filter((m) => m.to.includes(newDsl.email))[0]!.subject).toMatch(/missing child alert/);
      expect(mails.find((m) => m.to.includes(MASH))!.subject).toMatch(/^\[Operation Endeavor\] Recipient no longer active: ref /);
      const after = await until(
        () => own.stores.deliveries.ofEpisode(episodeId),
        (ds) => ds.some((d) => d.kind === 'reminder' && d.status === 'superseded') && ds.some((d) => d.contact.email === newDsl.email && d.status === 'sent'),
        'the leaver’s reminder superseded',
      );
      expect(after.find((d) => d.kind === 'reminder')!.contact.contactId).toBe(oldDsl.contactId);

      // The next reminder goes to the successor alone; MASH is not told about the leaver again.
      smtp.clear();
      offsetMs = 48 * 3600_000 + 120_000;
      await smtp.waitFor((m) => m.some((x) => x.to.includes(newDsl.email) && /missing child update/.test(x.subject)), 10_000);
      await until(
        () => own.stores.deliveries.ofEpisode(episodeId),
        (ds) => ds.filter((d) => d.kind === 'reminder' && d.contact.contactId === oldDsl.contactId).every((d) => d.status === 'superseded') &&
          ds.filter((d) => d.kind === 'reminder').length === 3,
        'the second round of reminders',
      );
      await until(
        () => own.queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        (counts) => Object.values(counts).every((n) => n === 0),
        'the notice queue drained',
      );
      expect(smtp.mails.filter((m) => m.to.includes(oldDsl.email))).toHaveLength(0);
      expect(smtp.mails.filter((m) => m.to.includes(MASH))).toHaveLength(0);
    } finally {
      await own.close();
    }
  });
});

/*
 * Issue 8, the window between the send path's read and its claim: the directory changes after
 * deliverOne has read it and before it moves the delivery to `sending`. The change is made from
 * inside the store's load, right after it answered, so it lands in that window every time.
 */
describe('a directory change between the read and the claim', () => {
  let own: TestApp;
  let transport: MailTransport;
  beforeAll(async () => {
    // No workers: the test sends each delivery itself, through the real SMTP server.
    own = await startTestApp();
    transport = createMailTransport({ url: `${smtp.url}?requireTLS=false`, from: 'Operation Endeavor <endeavor@endeavor.test>', pool: false });
  });
  afterAll(async () => {
    await transport?.close();
    await own?.close();
  });

  /** The send path's dependencies, with `between` run after the load has read the directory. */
  function depsWith(between: () => Promise<void>): DeliverDeps {
    const deliveries = own.stores.deliveries;
    return {
      deliveries: {
        ...deliveries,
        loadForSend: async (...args: Parameters<typeof deliveries.loadForSend>) => {
          const loaded = await deliveries.loadForSend(...args);
          await between();
          return loaded;
        },
      },
      episodes: own.stores.episodes,
      fold: { all: foldEpisode, asOf: episodeAsOf },
      events: own.stores.events,
      directory: own.stores.directory,
      transport,
      notify: own.queues.notify,
      fanout: own.queues.fanout,
      messageDomain: 'endeavor.test',
      ackUrlFor: (delivery) => `https://endeavor.test/ack/${delivery.deliveryId}`,
      now: () => new Date(),
    };
  }

  /** A school whose DSL has one planned, unsent alert. */
  async function planned(urn: string) {
    const dsl = contact('Fictional Leaver', 'dsl', `leaver@school-${urn}.endeavor.test`);
    const org = school(urn, { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: [dsl] });
    await own.directory.put(org);
    const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' } });
    expect((await own.post('/api/v1/events', report)).status).toBe(202);
    const uid = eventUid(FEED_A.feedId, report.eventId);
    expect(await fanOutEvent({ ...own.stores, deliver: own.queues.deliver, lockMs: 5000, now: () => new Date() }, uid, 3)).toBe('routed');
    const [alert] = await own.stores.deliveries.ofEpisode((await own.stores.events.get(uid))!.episodeId, false);
    return { dsl, org, alert: alert! };
  }

  /** Addresses the directory lets mail go to now. */
  const sendableNow = async () =>
    new Set((await own.directory.list()).filter((o) => o.active).flatMap((o) => o.contacts.filter((c) => c.active).map((c) => c.email)));

  it('does not send to a contact deactivated after the read: the delivery is superseded and MASH told', async () => {
    const { dsl, org, alert } = await planned('990121');
    script();
    const outcome = await deliverOne(
      depsWith(() => own.directory.put({ ...org, contacts: [{ ...dsl, active: false }] }).then(() => undefined)),
      alert.deliveryId,
      { attemptsMade: 0, maxAttempts: 3 },
    );
    expect(outcome).toBe('skipped');
    // The directory did not change after the deactivation, so what it says now is what it said at every RCPT.
    const allowed = await sendableNow();
    expect(rcpts.filter((to) => !allowed.has(to))).toEqual([]);
    expect(rcpts).not.toContain(dsl.email);
    const after = (await own.stores.deliveries.get(alert.deliveryId))!;
    expect(after.status).toBe('superseded');
    expect(after.attempts).toBe(0);
    expect(after.history.at(-1)!.detail).toMatch(/contact has been deactivated/);
    expect(await own.queues.notify.getJob(`ns-${alert.episodeId}-school-990121-${dsl.contactId}`)).toBeDefined();
  });

  it.each(CLAIM_CASES.map((c) => [c.name, c] as const))('claims, in Lua, exactly when stillSendsTo says so: %s', async (_, c) => {
    const store = own.stores.deliveries;
    const organisationKey = own.directory.keys.organisation('school', CLAIM_URN);
    if (c.organisation) await own.redis.set(organisationKey, JSON.stringify(c.organisation));
    else await own.redis.del(organisationKey);
    const delivery: NewDelivery = {
      deliveryId: `dl_${randomBytes(12).toString('hex')}`,
      eventUid: uniqueId('uid'),
      eventId: uniqueId('ev'),
      episodeId: uniqueId('ep'),
      feedId: FEED_A.feedId,
      kind: 'alert',
      audience: 'direct',
      organisation: { type: 'school', id: CLAIM_URN, name: `Fictional School ${CLAIM_URN}` },
      contact: { contactId: CLAIMED.contactId, name: CLAIMED.name, email: CLAIMED.email, role: CLAIMED.role },
      threadOf: null,
      asOf: null,
      ackable: true,
      risk: 'high',
      priority: 1,
      status: 'pending',
    };
    await store.create(delivery, new Date(), 'created');
    const claimed = await store.claim(delivery.deliveryId, new Date(), { detail: 'attempt 1', eventUid: delivery.eventUid }, { organisationKey, contactId: CLAIMED.contactId, email: c.email });
    expect(claimed.ok).toBe(c.sends);
    const after = (await store.get(delivery.deliveryId))!;
    expect(after).toMatchObject(c.sends ? { status: 'sending', attempts: 1 } : { status: 'pending', attempts: 0 });
    // A refused claim hands back the document it read, for the send to decide again.
    if (!c.sends) expect(claimed).toEqual({ ok: false, current: 'pending', organisation: c.organisation ? JSON.stringify(c.organisation) : null });
  });

  it('sends to the address given after the read, and records it', async () => {
    const { dsl, org, alert } = await planned('990122');
    const moved = { ...dsl, email: 'moved@school-990122.endeavor.test' };
    script();
    const outcome = await deliverOne(
      depsWith(() => own.directory.put({ ...org, contacts: [moved] }).then(() => undefined)),
      alert.deliveryId,
      { attemptsMade: 0, maxAttempts: 3 },
    );
    expect(outcome).toBe('sent');
    const allowed = await sendableNow();
    expect(rcpts.filter((to) => !allowed.has(to))).toEqual([]);
    expect(rcpts).toEqual([moved.email]);
    const after = (await own.stores.deliveries.get(alert.deliveryId))!;
    expect(after).toMatchObject({ status: 'sent', attempts: 1, contact: { email: moved.email } });
    expect(after.history.some((h) => h.status === 'sending' && /address the directory has now/.test(h.detail))).toBe(true);
  });
});
