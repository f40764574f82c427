import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryWithHistory, NewDelivery } from '../../../src/delivery/delivery.store';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { buildDsn, buildPlainMessage } from '../../helpers/dsn';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { sendRawMail } from '../../helpers/smtp-client';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §6, Bounces, end to end: the relay (the test SMTP server) accepts a message with 250,
 * then a DSN written as a real MTA writes one comes back to the listener, addressed to the
 * envelope sender the relay saw. Tests share one app; each looks only at its own episode.
 */

let smtp: TestSmtp;
let app: TestApp;
let mash: AsUser;
let bouncePort: number;

const MASH = 'mash-team@endeavor.test';
const BOUNCE_DOMAIN = 'bounces.endeavor.test';
const DSL = 'dsl@school-990001.endeavor.test';
const DEPUTY = 'deputy@school-990001.endeavor.test';
const GP_LEAD = 'lead@gp-y90001.endeavor.test';

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: {
      NODE_ENV: 'development',
      MASH_EMAIL: MASH,
      MAIL_FROM: 'Operation Endeavor <endeavor@dispatch.endeavor.test>',
      BOUNCE_DOMAIN,
      BOUNCE_SMTP_PORT: '0',
      BOUNCE_SMTP_HOST: '127.0.0.1',
    },
  });
  bouncePort = app.workers!.bouncePort!;
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { contacts: [contact('Fictional DSL', 'dsl', DSL), contact('Fictional Deputy', 'deputy', DEPUTY)] }),
    practice('Y90001'),
  ]);
  mash = asUser(app, await signIn(app, 'mash'));
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

/** Posts a report for the school and practice and waits until its deliveries (three direct) are sent. */
async function reportAndSend() {
  // Hexham has no other organisation: the three direct deliveries are the event's only ones.
  const event = reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE46' } });
  const res = await app.post('/api/v1/events', event);
  expect(res.status).toBe(202);
  const { episodeId } = (await res.json()) as { episodeId: string };
  const deliveries = await until(
    () => app.stores.deliveries.ofEpisode(episodeId),
    (all) => all.filter((d) => d.audience === 'direct').length === 3 && all.every((d) => d.status === 'sent'),
    'deliveries',
  );
  const to = (email: string) => deliveries.find((d) => d.contact.email === email)!;
  const direct = [DSL, DEPUTY, GP_LEAD];
  const mails = await smtp.waitFor((m) => m.filter((x) => x.subject.includes(event.policeReference) && direct.includes(x.to[0]!)).length === 3);
  const mailTo = (email: string) => mails.find((m) => m.to.includes(email) && m.subject.includes(event.policeReference))!;
  return { ref: event.policeReference, eventId: event.eventId, episodeId, deliveries, to, mailTo };
}

const status = async (deliveryId: string) => (await app.stores.deliveries.get(deliveryId))!;

/** Waits until the notice queue has nothing waiting, delayed or running. */
async function noticesSettled() {
  await until(
    () => app.queues.notify.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
    (c) => Object.values(c).every((n) => n === 0),
    'notice queue',
  );
}

const noticesAbout = (ref: string) => smtp.mails.filter((m: CaughtMail) => m.to.includes(MASH) && m.subject === `[Operation Endeavor] Delivery failed: ref ${ref}`);

describe('the envelope sender', () => {
  it('is the delivery\'s VERP bounce address, while From stays MAIL_FROM', async () => {
    const sent = await reportAndSend();
    for (const email of [DSL, DEPUTY, GP_LEAD]) {
      const mail = sent.mailTo(email);
      expect(mail.from).toBe(`bounces+${sent.to(email).deliveryId}.1@${BOUNCE_DOMAIN}`);
      expect(mail.headers.get('from')).toBe('Operation Endeavor <endeavor@dispatch.endeavor.test>');
    }
  });
});

describe('a DSN whose action is failed', () => {
  it('bounces the sent delivery, tells MASH once, and lists the contact to correct', async () => {
    const sent = await reportAndSend();
    const dsl = sent.to(DSL);
    const other = sent.to(DEPUTY);
    // A real MTA's DSN, to the envelope sender the relay saw; its content names another delivery, which must not matter.
    const dsn = buildDsn({
      to: sent.mailTo(DSL).from,
      finalRecipient: DSL,
      perMessageFields: [`Original-Envelope-Id: ${other.deliveryId}`],
      returnedHeaders: `Message-ID: <${other.deliveryId}@dispatch.endeavor.test>\r\nSubject: ${sent.mailTo(DEPUTY).subject}`,
    });

    const exchange = await sendRawMail(bouncePort, { to: [sent.mailTo(DSL).from], raw: dsn });
    expect(exchange).toMatchObject({ mailFrom: 250, rcptTo: [250], data: 250 });

    // The answer 250 comes after the record changed.
    const bounced = await status(dsl.deliveryId);
    expect(bounced.status).toBe('bounced');
    expect(bounced.lastError).toBe('BOUNCED 5.1.1: 550 5.1.1 <address>: Recipient address rejected: User unknown in virtual mailbox table');
    expect(bounced.history.at(-1)).toMatchObject({ status: 'bounced', detail: bounced.lastError });
    expect(bounced.sentAt).toBe(dsl.sentAt);
    // Nothing in the DSN's content was trusted: the delivery it names is untouched.
    expect((await status(other.deliveryId)).status).toBe('sent');
    // A bounced message cannot be acknowledged: it leaves the overdue list and escalation.
    expect(await app.stores.deliveries.unacknowledged()).not.toContain(dsl.deliveryId);
    expect(await app.stores.deliveries.withStatus('bounced')).toContain(dsl.deliveryId);
    expect(await app.stores.deliveries.withStatus('sent')).not.toContain(dsl.deliveryId);

    // SPEC §5: the failure notice, naming the organisation and role, never the child.
    const [notice] = await smtp.waitFor(() => noticesAbout(sent.ref).length === 1).then(() => noticesAbout(sent.ref));
    expect(notice!.text).toContain('Fictional School 990001');
    expect(notice!.text).toContain('BOUNCED 5.1.1');
    expect(notice!.subject).not.toContain('Testchild');
    await until(() => status(dsl.deliveryId), (d) => d.history.some((h) => h.status === 'notice' && h.detail.startsWith('bounce notice')), 'notice line');

    // The directory's data-quality list.
    const listed = (await app.stores.dataQuality.list()).find((e) => e.deliveryId === dsl.deliveryId);
    expect(listed).toEqual({
      organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
      contactId: dsl.contact.contactId,
      role: 'dsl',
      lastError: bounced.lastError,
      at: bounced.updatedAt,
      deliveryId: dsl.deliveryId,
      episodeId: sent.episodeId,
    });
    const page = await mash.get('/dashboard/directory');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Contacts to correct');
    expect(html).toContain('Fictional DSL');
    expect(html).toContain(`/dashboard/episodes/${sent.episodeId}`);

    // The failed work list and the API list it with the others that did not arrive, with a retry button.
    const failedPage = await (await mash.get('/dashboard/failed')).text();
    expect(failedPage).toContain(`/dashboard/deliveries/${dsl.deliveryId}/retry`);
    const listedByStatus = (await (await mash.get('/api/v1/deliveries?status=bounced')).json()) as { deliveries: { deliveryId: string }[] };
    expect(listedByStatus.deliveries.map((d) => d.deliveryId)).toContain(dsl.deliveryId);
    // The event's counts follow (one Lua step with the status), and bounced is final: the event is done.
    const eventState = (await (await app.get(`/api/v1/events/${sent.eventId}`)).json()) as { state: string; deliveries: Record<string, number> };
    expect(eventState).toMatchObject({ state: 'done', deliveries: { sent: 2, bounced: 1 } });

    // The same DSN again (a relay that lost our 250): accepted, nothing new happens.
    const again = await sendRawMail(bouncePort, { to: [sent.mailTo(DSL).from], raw: dsn });
    expect(again.data).toBe(250);
    await noticesSettled();
    expect(noticesAbout(sent.ref)).toHaveLength(1);
    expect((await status(dsl.deliveryId)).history.filter((h) => h.status === 'bounced')).toHaveLength(1);
  });

  it('bounces an area delivery without a notice, and lists the contact', async () => {
    const event = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: '990001', gpOdsCode: undefined } });
    await seedDirectory(app.redis, app.config.queuePrefix, [school('990002')]);
    const { episodeId } = (await (await app.post('/api/v1/events', event)).json()) as { episodeId: string };
    const all = await until(() => app.stores.deliveries.ofEpisode(episodeId), (d) => d.length >= 3 && d.every((x) => x.status === 'sent'), 'deliveries');
    const area = all.find((d) => d.audience === 'area')!;
    const exchange = await sendRawMail(bouncePort, { to: [`bounces+${area.deliveryId}@${BOUNCE_DOMAIN}`], raw: buildDsn({ to: `bounces+${area.deliveryId}@${BOUNCE_DOMAIN}` }) });
    expect(exchange.data).toBe(250);
    expect((await status(area.deliveryId)).status).toBe('bounced');
    expect((await app.stores.dataQuality.list()).some((e) => e.deliveryId === area.deliveryId)).toBe(true);
    expect(await app.queues.notify.getJob(`nb-${area.deliveryId}-1`)).toBeUndefined();
  });

  it('leaves a delivery never sent as it was', async () => {
    const deliveryId = `dl_${randomBytes(12).toString('hex')}`;
    const pending: NewDelivery = {
      deliveryId,
      eventUid: uniqueId('uid'),
      eventId: uniqueId('ev'),
      episodeId: `ep_${randomBytes(12).toString('hex')}`,
      feedId: 'northumbria-test',
      kind: 'alert',
      audience: 'direct',
      organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
      contact: { contactId: 'c0ffee', name: 'Fictional DSL', email: DSL, role: 'dsl' },
      threadOf: null,
      asOf: null,
      ackable: true,
      risk: 'high',
      priority: 1,
      status: 'pending',
    };
    await app.stores.deliveries.create(pending, new Date(), 'created');
    const address = `bounces+${deliveryId}@${BOUNCE_DOMAIN}`;
    const exchange = await sendRawMail(bouncePort, { to: [address], raw: buildDsn({ to: address }) });
    expect(exchange.data).toBe(250);
    const after = await status(deliveryId);
    expect(after.status).toBe('pending');
    expect(after.lastError).toBeNull();
    expect(after.history).toHaveLength(1);
    expect((await app.stores.dataQuality.list()).some((e) => e.deliveryId === deliveryId)).toBe(false);
    expect(await app.queues.notify.getJob(`nb-${deliveryId}-0`)).toBeUndefined();
  });
});

describe('a DSN whose action is not failed', () => {
  it.each([
    ['delayed', '4.4.1'],
    ['delivered', '2.0.0'],
    ['relayed', '2.0.0'],
  ])('leaves a sent delivery sent and notes %s in its history', async (action, code) => {
    const sent = await reportAndSend();
    const gp = sent.to(GP_LEAD);
    const address = sent.mailTo(GP_LEAD).from;
    const exchange = await sendRawMail(bouncePort, { to: [address], raw: buildDsn({ to: address, action, status: code, diagnosticCode: 'smtp; 451 4.4.1 try later' }) });
    expect(exchange.data).toBe(250);
    const after = await status(gp.deliveryId);
    expect(after.status).toBe('sent');
    expect(after.lastError).toBeNull();
    expect(after.history.at(-1)).toMatchObject({ status: 'delivery-report', detail: `the recipient's mail system reports ${action} (${code})` });
    expect((await app.stores.dataQuality.list()).some((e) => e.deliveryId === gp.deliveryId)).toBe(false);
  });
});

describe('what the listener refuses', () => {
  it('refuses at RCPT TO any address but a known delivery\'s bounce address on BOUNCE_DOMAIN', async () => {
    const sent = await reportAndSend();
    const id = sent.to(DSL).deliveryId;
    const refused = [
      `bounces+dl_${randomBytes(12).toString('hex')}@${BOUNCE_DOMAIN}`, // well formed, unknown
      `bounces+not-a-delivery@${BOUNCE_DOMAIN}`,
      `bounces+${id}@elsewhere.test`,
      `postmaster@${BOUNCE_DOMAIN}`,
      DSL,
    ];
    for (const to of refused) {
      const exchange = await sendRawMail(bouncePort, { to: [to], raw: buildDsn({ to }) });
      expect(exchange.rcptTo, to).toEqual([550]);
      expect(exchange.data).toBeUndefined();
    }
    expect((await status(id)).status).toBe('sent');
  });

  it('takes one recipient per message', async () => {
    const sent = await reportAndSend();
    const [a, b] = [sent.mailTo(DSL).from, sent.mailTo(DEPUTY).from];
    const exchange = await sendRawMail(bouncePort, { to: [a, b], raw: buildDsn({ to: a }) });
    expect(exchange.rcptTo).toEqual([250, 452]);
    expect(exchange.data).toBe(250);
    expect((await status(sent.to(DSL).deliveryId)).status).toBe('bounced');
    expect((await status(sent.to(DEPUTY).deliveryId)).status).toBe('sent');
  });

  it('refuses a message that is not a delivery status notification at the end of DATA', async () => {
    const sent = await reportAndSend();
    const address = sent.mailTo(DSL).from;
    const plain = await sendRawMail(bouncePort, { to: [address], raw: buildPlainMessage(address) });
    expect(plain).toMatchObject({ rcptTo: [250], data: 554 });
    // A multipart/report of another kind (a read receipt) is not a DSN either.
    const receipt = buildDsn({ to: address }).replace('report-type=delivery-status', 'report-type=disposition-notification');
    expect((await sendRawMail(bouncePort, { to: [address], raw: receipt })).data).toBe(554);
    const after = await status(sent.to(DSL).deliveryId);
    expect(after.status).toBe('sent');
    expect(after.history.map((h) => h.status)).not.toContain('delivery-report');
  });

  it('refuses a message over the size limit', async () => {
    const sent = await reportAndSend();
    const address = sent.mailTo(DSL).from;
    const huge = buildDsn({ to: address, returnedHeaders: `X-Padding: ${'x'.repeat(998)}\r\n`.repeat(1100) });
    expect((await sendRawMail(bouncePort, { to: [address], raw: huge })).data).toBe(552);
    expect((await status(sent.to(DSL).deliveryId)).status).toBe('sent');
  });
});

describe('retry of a bounced delivery (SPEC §6)', () => {
  it('sends it again, as for a failed one', async () => {
    const sent = await reportAndSend();
    const dsl = sent.to(DSL);
    const address = sent.mailTo(DSL).from;
    expect((await sendRawMail(bouncePort, { to: [address], raw: buildDsn({ to: address }) })).data).toBe(250);
    smtp.clear();
    const res = await mash.post(`/api/v1/deliveries/${dsl.deliveryId}/retry`, { json: {} });
    expect(res.status).toBe(202);
    const again = await until(() => status(dsl.deliveryId), (d: DeliveryWithHistory) => d.status === 'sent' && d.attempts === 2, 'retried delivery');
    expect(again.lastError).toBeNull();
    const resent = (m: CaughtMail[]) => m.find((x) => x.to.includes(DSL) && x.subject.includes(sent.ref));
    const mail = resent(await smtp.waitFor((m) => resent(m) !== undefined));
    // The resend names its own attempt: a DSN about the first cannot be taken for one about it.
    expect(mail!.from).toBe(`bounces+${dsl.deliveryId}.2@${BOUNCE_DOMAIN}`);
    expect(address).toBe(`bounces+${dsl.deliveryId}.1@${BOUNCE_DOMAIN}`);
    expect(mail!.messageId).toBe(sent.mailTo(DSL).messageId);
  });
});

describe('a late DSN (SPEC §6)', () => {
  it('about attempt 1 leaves a delivery sent again as attempt 2 sent, and one about attempt 2 bounces it', async () => {
    const sent = await reportAndSend();
    const dsl = sent.to(DSL);
    const first = sent.mailTo(DSL).from;
    expect((await sendRawMail(bouncePort, { to: [first], raw: buildDsn({ to: first }) })).data).toBe(250);
    expect((await mash.post(`/api/v1/deliveries/${dsl.deliveryId}/retry`, { json: {} })).status).toBe(202);
    const resent = await until(() => status(dsl.deliveryId), (d) => d.status === 'sent' && d.attempts === 2, 'the resend sent');
    await noticesSettled();
    const notices = noticesAbout(sent.ref).length;

    // The relay reports on the first message again, late: the resend is not what it is about.
    const late = await sendRawMail(bouncePort, { to: [first], raw: buildDsn({ to: first }) });
    expect(late).toMatchObject({ rcptTo: [250], data: 250 });
    const after = await status(dsl.deliveryId);
    expect(after.status).toBe('sent');
    expect(after.lastError).toBeNull();
    expect(after.history).toHaveLength(resent.history.length);
    expect(await app.stores.deliveries.unacknowledged()).toContain(dsl.deliveryId);
    await noticesSettled();
    expect(noticesAbout(sent.ref)).toHaveLength(notices);

    const second = `bounces+${dsl.deliveryId}.2@${BOUNCE_DOMAIN}`;
    expect((await sendRawMail(bouncePort, { to: [second], raw: buildDsn({ to: second }) })).data).toBe(250);
    expect((await status(dsl.deliveryId)).status).toBe('bounced');
  });

  it('to an address without an attempt (a message sent before the upgrade) still bounces the delivery', async () => {
    const sent = await reportAndSend();
    const gp = sent.to(GP_LEAD);
    const old = `bounces+${gp.deliveryId}@${BOUNCE_DOMAIN}`;
    expect((await sendRawMail(bouncePort, { to: [old], raw: buildDsn({ to: old }) })).data).toBe(250);
    expect((await status(gp.deliveryId)).status).toBe('bounced');
  });
});
