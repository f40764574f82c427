import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FEED_A, FEED_B, signIn, startTestApp, type TestApp } from '../../helpers/app';
import { drained } from '../../helpers/drain';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { cancelledEvent, foundEvent, reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * The tracking API of SPEC §6 (and the event status of §3) against the real app, its workers
 * and a real SMTP server. Tests share one app, so every assertion about a list looks only at
 * the episodes the test itself posted, and mail is filtered by the test's police reference.
 */

let smtp: TestSmtp;
let app: TestApp;
let mash: AsUser;
let nobody: AsUser;

const MASH = 'mash-team@endeavor.test';
const DSL = 'dsl@school-990001.endeavor.test';
const GP_LEAD = 'lead@gp-y90001.endeavor.test';
const AREA_SCHOOL = 'dsl@school-990002.endeavor.test';
const AREA_GP = 'lead@gp-y90002.endeavor.test';
const FORMULA_SCHOOL = 'dsl@school-990005.endeavor.test';
/** A child whose details must never leak out of the API or the export. */
const CHILD = { givenName: 'Zephyrine', familyName: 'Quillfeather', dateOfBirth: '2012-03-09', description: 'Tall, red scarf (fictional).' };

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { RETRY_ATTEMPTS: '2', RETRY_BASE_MS: '50', RETRY_MAX_DELAY_MS: '200', MASH_EMAIL: MASH },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { contacts: [contact('Fictional DSL', 'dsl', DSL)] }),
    practice('Y90001'),
    school('990002'),
    practice('Y90002'),
    school('990005', {
      name: '=SUM(1+1)',
      locality: 'Hexham',
      postcode: 'NE46 1AA',
      contacts: [contact('@Fictional Formula', 'dsl', FORMULA_SCHOOL)],
    }),
  ]);
  mash = asUser(app, await signIn(app, 'mash'));
  nobody = asUser(app, undefined);
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const FINAL = ['sent', 'failed', 'superseded'];

/** A Morpeth report: the child's school and GP direct, the other school and practice of Morpeth by area (4 deliveries). */
const morpethReport = (overrides: Record<string, unknown> = {}) => reportedEvent({ child: { ...reportedEvent().child, ...CHILD }, ...overrides });
/** A Hexham report: only the school whose name is a spreadsheet formula (1 delivery). */
const hexhamReport = () =>
  reportedEvent({ child: { ...reportedEvent().child, ...CHILD, schoolUrn: '990005', gpOdsCode: undefined, postcodeDistrict: 'NE46' } });

async function post(event: Record<string, unknown>, key = FEED_A.key) {
  const res = await app.post('/api/v1/events', event, { key });
  expect(res.status).toBe(202);
  return (await res.json()) as { eventId: string; episodeId: string };
}

/** The episode record is written by the fan-out worker, a moment after the 202. */
const episodeRecorded = (episodeId: string) => until(() => app.stores.episodes.get(episodeId), (e) => e !== undefined, `episode ${episodeId}`);

const deliveriesOf = (episodeId: string) => app.stores.deliveries.ofEpisode(episodeId);
const settledDeliveries = (episodeId: string, n: number) =>
  until(
    () => deliveriesOf(episodeId),
    (all) => all.length === n && all.every((d) => FINAL.includes(d.status)),
    `deliveries of ${episodeId}`,
  );

/** The mail about one episode only: a late message of an earlier test must not count here. */
const mine = (ref: string, mails: CaughtMail[] = smtp.mails) => mails.filter((m) => m.subject.includes(ref));

/** Refuses (550) every message about `ref` to `recipient`, and accepts the rest. */
const refuse = (ref: string, recipient: string) => smtp.respondWith((mail) => (mail.subject.includes(ref) && mail.to.includes(recipient) ? 550 : 250));

async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function expectProblem(res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(text)).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
}

const feedGet = (path: string, key: string) => fetch(app.url + path, { headers: { authorization: `Bearer ${key}` } });

type EpisodeSummary = { episodeId: string; feedId: string; state: string; policeReference: string };
const listEpisodes = async (query: string, as: (path: string) => Promise<Response>) =>
  (await json<{ episodes: EpisodeSummary[] }>(await as(`/api/v1/episodes${query}`), 200)).episodes;

type DeliveryJson = {
  deliveryId: string;
  eventId: string;
  kind: string;
  audience: string;
  organisation: { type: string; id: string; name: string };
  contact: { name: string; email: string; role: string };
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  history: { at: string; status: string; detail: string }[];
};
const listDeliveries = async (query: string) => (await json<{ deliveries: DeliveryJson[] }>(await mash.get(`/api/v1/deliveries${query}`), 200)).deliveries;
const idsOf = (items: { deliveryId: string }[]) => items.map((d) => d.deliveryId).sort();

const auditOf = async (action: string, subject: string) => (await app.stores.audit.recent(1000)).filter((e) => e.action === action && e.subject === subject);

/** A Morpeth report whose alert to the child's school is refused for good (550); the rest are sent. */
async function reportWithFailedDelivery() {
  const report = morpethReport();
  refuse(report.policeReference, DSL);
  const { episodeId } = await post(report);
  const all = await settledDeliveries(episodeId, 4);
  const failed = all.find((d) => d.contact.email === DSL)!;
  expect(failed.status).toBe('failed');
  // The worker records `failed` a moment before BullMQ files the job as failed. A retry in
  // that moment is a separate race (the old job is still active and keeps the job id), not
  // what these tests are about: wait until BullMQ has caught up.
  await until(async () => (await app.queues.deliver.getJob(failed.deliveryId))?.getState(), (s) => s === 'failed', 'deliver job state');
  return { report, episodeId, failed, all };
}

describe('GET /api/v1/episodes', () => {
  it('lists every feed’s episodes to a signed-in MASH user and only its own episodes to a feed key', async () => {
    const a = await post(morpethReport());
    const b = await post(morpethReport(), FEED_B.key);
    await episodeRecorded(a.episodeId);
    await episodeRecorded(b.episodeId);

    const asMash = (await listEpisodes('', mash.get)).map((e) => e.episodeId);
    expect(asMash).toEqual(expect.arrayContaining([a.episodeId, b.episodeId]));

    const asFeedA = await listEpisodes('', (p) => feedGet(p, FEED_A.key));
    expect(asFeedA.map((e) => e.episodeId)).toContain(a.episodeId);
    expect(asFeedA.map((e) => e.episodeId)).not.toContain(b.episodeId);
    expect(asFeedA.every((e) => e.feedId === FEED_A.feedId)).toBe(true);

    const asFeedB = await listEpisodes('', (p) => feedGet(p, FEED_B.key));
    expect(asFeedB.map((e) => e.episodeId)).toContain(b.episodeId);
    expect(asFeedB.map((e) => e.episodeId)).not.toContain(a.episodeId);
    expect(asFeedB.every((e) => e.feedId === FEED_B.feedId)).toBe(true);
  });

  it('filters by state: open, found and cancelled each list only episodes in that state', async () => {
    const open = await post(morpethReport());
    const foundReport = morpethReport();
    const found = await post(foundReport);
    const cancelledReport = morpethReport();
    const cancelled = await post(cancelledReport);
    await post(foundEvent(foundReport.policeReference));
    await post(cancelledEvent(cancelledReport.policeReference));
    const mineOnly = (list: EpisodeSummary[]) =>
      list.filter((e) => [open.episodeId, found.episodeId, cancelled.episodeId].includes(e.episodeId)).map((e) => e.episodeId);
    await until(
      () => listEpisodes('?state=open', mash.get),
      (list) => mineOnly(list).length === 1,
      'open episodes',
    );

    for (const [state, expected] of [
      ['open', open.episodeId],
      ['found', found.episodeId],
      ['cancelled', cancelled.episodeId],
    ] as const) {
      const list = await listEpisodes(`?state=${state}`, mash.get);
      expect(list.every((e) => e.state === state)).toBe(true);
      expect(mineOnly(list)).toEqual([expected]);
      const asFeed = await listEpisodes(`?state=${state}`, (p) => feedGet(p, FEED_A.key));
      expect(mineOnly(asFeed)).toEqual([expected]);
    }
  });

  it('answers 401 with neither a session nor a feed key, 401 for a wrong key, and 422 for an unknown state', async () => {
    await expectProblem(await nobody.get('/api/v1/episodes'), 401);
    await expectProblem(await feedGet('/api/v1/episodes', 'not-a-key-of-any-feed-0123456789'), 401);
    await expectProblem(await mash.get('/api/v1/episodes?state=missing'), 422);
    await expectProblem(await feedGet('/api/v1/episodes?state=closed', FEED_A.key), 422);
  });
});

describe('GET /api/v1/episodes/{episodeId}', () => {
  it('shows the episode, its events and every delivery in the shape of SPEC §6', async () => {
    const report = morpethReport();
    const { episodeId } = await post(report);
    await settledDeliveries(episodeId, 4);

    const episode = await json<Record<string, unknown> & { events: unknown[]; deliveries: DeliveryJson[] }>(
      await mash.get(`/api/v1/episodes/${episodeId}`),
      200,
    );
    expect(episode).toMatchObject({
      episodeId,
      feedId: FEED_A.feedId,
      policeReference: report.policeReference,
      state: 'open',
      risk: 'high',
      openedAt: expect.stringMatching(ISO),
      closedAt: null,
      unroutable: [],
    });
    expect(episode.events).toEqual([
      { eventId: report.eventId, type: 'missing.reported', occurredAt: report.occurredAt, receivedAt: expect.stringMatching(ISO) },
    ]);

    expect(episode.deliveries).toHaveLength(4);
    const byEmail = new Map(episode.deliveries.map((d) => [d.contact.email, d]));
    expect([...byEmail.keys()].sort()).toEqual([AREA_SCHOOL, DSL, GP_LEAD, AREA_GP].sort());
    expect(byEmail.get(DSL)).toMatchObject({
      audience: 'direct',
      organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
      contact: { name: 'Fictional DSL', email: DSL, role: 'dsl' },
    });
    expect(byEmail.get(GP_LEAD)).toMatchObject({
      audience: 'direct',
      organisation: { type: 'gp', id: 'Y90001', name: 'Fictional Practice Y90001' },
      contact: { name: 'Lead Y90001', email: GP_LEAD, role: 'safeguarding_lead' },
    });
    expect(byEmail.get(AREA_SCHOOL)).toMatchObject({ audience: 'area', organisation: { type: 'school', id: '990002' } });
    expect(byEmail.get(AREA_GP)).toMatchObject({ audience: 'area', organisation: { type: 'gp', id: 'Y90002' } });
    for (const d of episode.deliveries) {
      expect(d).toMatchObject({
        deliveryId: expect.stringMatching(/^dl_[0-9a-f]{24}$/),
        eventId: report.eventId,
        kind: 'alert',
        status: 'sent',
        attempts: 1,
        lastError: null,
        sentAt: expect.stringMatching(ISO),
        acknowledgedAt: null,
        escalatedAt: null,
      });
      expect(Object.keys(d.organisation).sort()).toEqual(['id', 'name', 'type']);
      expect(Object.keys(d.contact).sort()).toEqual(['email', 'name', 'role']);
      expect(d.history.map((h) => h.status)).toEqual(['pending', 'sending', 'sent']);
      for (const h of d.history) expect(h).toEqual({ at: expect.stringMatching(ISO), status: expect.any(String), detail: expect.any(String) });
    }
  });

  it('holds none of the child’s personal details: no name, date of birth or description', async () => {
    const { episodeId } = await post(morpethReport());
    await settledDeliveries(episodeId, 4);
    for (const res of [await mash.get(`/api/v1/episodes/${episodeId}`), await feedGet(`/api/v1/episodes/${episodeId}`, FEED_A.key)]) {
      const text = await res.text();
      expect(res.status).toBe(200);
      for (const detail of [CHILD.givenName, CHILD.familyName, CHILD.dateOfBirth, CHILD.description, '2012']) expect(text).not.toContain(detail);
      expect(text).not.toMatch(/"(child|givenName|familyName|dateOfBirth)"/);
    }
  });

  it('records an unknown school URN as unroutable on the episode', async () => {
    const { episodeId } = await post(morpethReport({ child: { ...reportedEvent().child, ...CHILD, schoolUrn: '999999' } }));
    await episodeRecorded(episodeId);
    const episode = await until(
      async () => json<{ unroutable: unknown[] }>(await mash.get(`/api/v1/episodes/${episodeId}`), 200),
      (e) => e.unroutable.length > 0,
      'unroutable',
    );
    expect(episode.unroutable).toEqual([{ type: 'school', id: '999999' }]);
  });

  it('gives a found episode its closedAt and a returnInterviewDueAt 72 hours after foundAt', async () => {
    const report = morpethReport();
    const { episodeId } = await post(report);
    await episodeRecorded(episodeId);
    const found = foundEvent(report.policeReference);
    await post(found);
    const episode = await until(
      async () => json<{ state: string; events: unknown[] } & Record<string, unknown>>(await mash.get(`/api/v1/episodes/${episodeId}`), 200),
      (e) => e.state === 'found',
      'found episode',
    );
    expect(episode.returnInterviewDueAt).toBe(new Date(Date.parse(found.foundAt) + 72 * 3600_000).toISOString());
    expect(episode.closedAt).toEqual(expect.stringMatching(ISO));
    expect(episode.events).toEqual([
      expect.objectContaining({ eventId: report.eventId, type: 'missing.reported' }),
      expect.objectContaining({ eventId: found.eventId, type: 'missing.found' }),
    ]);
  });

  it('answers 404 to another feed, to an id that does not exist and to a malformed id', async () => {
    const { episodeId } = await post(morpethReport());
    await episodeRecorded(episodeId);
    expect((await feedGet(`/api/v1/episodes/${episodeId}`, FEED_A.key)).status).toBe(200);
    await expectProblem(await feedGet(`/api/v1/episodes/${episodeId}`, FEED_B.key), 404);
    await expectProblem(await mash.get('/api/v1/episodes/ep_000000000000000000000000'), 404);
    await expectProblem(await mash.get('/api/v1/episodes/not-an-episode'), 404);
    await expectProblem(await nobody.get(`/api/v1/episodes/${episodeId}`), 401);
  });

  it('writes an audit entry, naming the user, for each view', async () => {
    const { episodeId } = await post(morpethReport());
    await episodeRecorded(episodeId);
    const email = `mash-auditor-${Date.now()}@endeavor.test`;
    await app.users.createUser({ email, role: 'mash', password: 'test-password-auditor-0123' }, new Date());
    const login = await fetch(`${app.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'test-password-auditor-0123' }),
    });
    const auditor = asUser(app, login.headers.get('set-cookie')!.split(';')[0]);

    expect(await auditOf('episode.view', episodeId)).toHaveLength(0);
    expect((await auditor.get(`/api/v1/episodes/${episodeId}`)).status).toBe(200);
    expect((await auditor.get(`/api/v1/episodes/${episodeId}`)).status).toBe(200);
    const entries = await auditOf('episode.view', episodeId);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry.actor).toBe(`mash:${email}`);
      expect(entry.at).toMatch(ISO);
      expect(JSON.stringify(entry)).not.toContain(CHILD.givenName);
    }
  });
});

describe('GET /api/v1/deliveries', () => {
  it('lists exactly the failed deliveries under ?status=failed', async () => {
    const { failed, all } = await reportWithFailedDelivery();
    const ofMine = (items: DeliveryJson[]) => items.filter((d) => all.some((x) => x.deliveryId === d.deliveryId));

    const failedList = await listDeliveries('?status=failed');
    expect(failedList.every((d) => d.status === 'failed')).toBe(true);
    expect(idsOf(ofMine(failedList))).toEqual([failed.deliveryId]);
    expect(ofMine(failedList)[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/550/), sentAt: null });

    const sentList = await listDeliveries('?status=sent');
    expect(sentList.every((d) => d.status === 'sent')).toBe(true);
    expect(idsOf(ofMine(sentList))).toEqual(idsOf(all.filter((d) => d.deliveryId !== failed.deliveryId)));

    const everything = await listDeliveries('');
    expect(idsOf(ofMine(everything))).toEqual(idsOf(all));
  });

  it('lists under ?unacknowledged=true the sent direct alerts not yet acknowledged, and not area ones', async () => {
    const report = morpethReport();
    const { episodeId } = await post(report);
    const all = await settledDeliveries(episodeId, 4);
    const direct = all.filter((d) => d.audience === 'direct');
    const ofMine = (items: DeliveryJson[]) => items.filter((d) => all.some((x) => x.deliveryId === d.deliveryId));

    const before = await listDeliveries('?unacknowledged=true');
    for (const d of before) expect(d).toMatchObject({ audience: 'direct', kind: 'alert', status: 'sent', acknowledgedAt: null });
    expect(idsOf(ofMine(before))).toEqual(idsOf(direct));

    // The school confirms receipt through the link in its email.
    const mail = (await smtp.waitFor((m) => mine(report.policeReference, m).some((x) => x.to.includes(DSL)))).find(
      (m) => m.subject.includes(report.policeReference) && m.to.includes(DSL),
    )!;
    const path = /http:\/\/localhost:0(\/ack\/[^\s"<>]+)/.exec(mail.text)?.[1];
    expect(path).toBeDefined();
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(app.url + path!)).text())?.[1];
    const confirm = await fetch(app.url + path!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf! }).toString(),
    });
    expect(confirm.status).toBe(200);

    const after = await listDeliveries('?unacknowledged=true');
    expect(idsOf(ofMine(after))).toEqual(idsOf(direct.filter((d) => d.contact.email !== DSL)));
  });

  it('answers 422 for an unknown status or query parameter', async () => {
    await expectProblem(await mash.get('/api/v1/deliveries?status=lost'), 422);
    await expectProblem(await mash.get('/api/v1/deliveries?unacknowledged=maybe'), 422);
    await expectProblem(await mash.get('/api/v1/deliveries?colour=red'), 422);
  });

  it('answers 401 without a session; a feed key is not enough', async () => {
    await expectProblem(await nobody.get('/api/v1/deliveries?status=failed'), 401);
    const withKey = await feedGet('/api/v1/deliveries?status=failed', FEED_A.key);
    expect([401, 403]).toContain(withKey.status);
    await expectProblem(withKey, withKey.status);
  });
});

describe('POST /api/v1/deliveries/{deliveryId}/retry', () => {
  it('puts a failed delivery back to pending and sends it, keeping its Message-ID, with the retry in its history', async () => {
    const { report, failed } = await reportWithFailedDelivery();
    expect(mine(report.policeReference).filter((m) => m.to.includes(DSL))).toHaveLength(0);
    smtp.respondWith(250);

    const retried = await json<DeliveryJson>(await mash.post(`/api/v1/deliveries/${failed.deliveryId}/retry`, { json: {} }), 202);
    expect(retried.deliveryId).toBe(failed.deliveryId);
    expect(['pending', 'sending', 'sent']).toContain(retried.status);

    const mails = await smtp.waitFor((m) => mine(report.policeReference, m).some((x) => x.to.includes(DSL)));
    const resent = mine(report.policeReference, mails).filter((m) => m.to.includes(DSL));
    expect(resent).toHaveLength(1);
    expect(resent[0]!.messageId).toBe(`<${failed.deliveryId}@localhost>`);

    const sent = await until(
      async () => (await json<{ deliveries: DeliveryJson[] }>(await mash.get(`/api/v1/episodes/${failed.episodeId}`), 200)).deliveries,
      (list) => list.find((d) => d.deliveryId === failed.deliveryId)?.status === 'sent',
      'retried delivery',
    );
    const delivery = sent.find((d) => d.deliveryId === failed.deliveryId)!;
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, lastError: null, sentAt: expect.stringMatching(ISO) });
    // Beside the status changes, the history notes the failure notice sent to MASH.
    const changes = delivery.history.filter((h) => h.status !== 'notice');
    expect(changes.map((h) => h.status)).toEqual(['pending', 'sending', 'failed', 'pending', 'sending', 'sent']);
    expect(changes[3]!.detail).toMatch(/retry/i);

    const audit = await auditOf('delivery.retry', failed.deliveryId);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toMatch(/^mash:mash-.*@endeavor\.test$/);
  });

  it('refuses a POST with no body or a simple content type (415) and leaves the delivery failed', async () => {
    const { failed } = await reportWithFailedDelivery();
    const path = `/api/v1/deliveries/${failed.deliveryId}/retry`;
    await expectProblem(await mash.post(path), 415);
    await expectProblem(await mash.post(path, { raw: '{}', contentType: 'text/plain' }), 415);
    await expectProblem(await mash.post(path, { raw: 'a=1', contentType: 'application/x-www-form-urlencoded' }), 415);
    await expectProblem(await mash.post(path, { raw: '--x--', contentType: 'multipart/form-data; boundary=x' }), 415);
    await drained(app.queues);
    const after = await app.stores.deliveries.get(failed.deliveryId);
    expect(after?.status).toBe('failed');
    expect(after?.history.map((h) => h.status).filter((s) => s !== 'notice')).toEqual(['pending', 'sending', 'failed']);
    expect(await auditOf('delivery.retry', failed.deliveryId)).toHaveLength(0);
  });

  it('lets an admin retry too', async () => {
    const { report, failed } = await reportWithFailedDelivery();
    smtp.respondWith(250);
    const admin = asUser(app, await signIn(app, 'admin'));
    expect((await admin.post(`/api/v1/deliveries/${failed.deliveryId}/retry`, { json: {} })).status).toBe(202);
    await smtp.waitFor((m) => mine(report.policeReference, m).some((x) => x.to.includes(DSL)));
    const audit = await auditOf('delivery.retry', failed.deliveryId);
    expect(audit.map((e) => e.actor)).toEqual([expect.stringMatching(/^admin:/)]);
  });

  it('answers 409 for a delivery that is not failed, and sends nothing again', async () => {
    const report = morpethReport();
    const { episodeId } = await post(report);
    const sent = (await settledDeliveries(episodeId, 4)).find((d) => d.contact.email === DSL)!;
    expect(sent.status).toBe('sent');
    await expectProblem(await mash.post(`/api/v1/deliveries/${sent.deliveryId}/retry`, { json: {} }), 409);
    await drained(app.queues);
    expect(mine(report.policeReference).filter((m) => m.to.includes(DSL))).toHaveLength(1);
    const after = await app.stores.deliveries.get(sent.deliveryId);
    expect(after?.status).toBe('sent');
    expect(after?.history).toEqual(sent.history);
  });

  it('answers 404 for an unknown or malformed id, and 401 without a session even with a feed key', async () => {
    await expectProblem(await mash.post('/api/v1/deliveries/dl_000000000000000000000000/retry', { json: {} }), 404);
    await expectProblem(await mash.post('/api/v1/deliveries/not-a-delivery/retry', { json: {} }), 404);
    const { failed } = await reportWithFailedDelivery();
    await expectProblem(await nobody.post(`/api/v1/deliveries/${failed.deliveryId}/retry`, { json: {} }), 401);
    const withKey = await fetch(`${app.url}/api/v1/deliveries/${failed.deliveryId}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FEED_A.key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([401, 403]).toContain(withKey.status);
    expect((await app.stores.deliveries.get(failed.deliveryId))?.status).toBe('failed');
  });
});

describe('GET /api/v1/deliveries.csv', () => {
  const csvGet = (from: string, to: string) => mash.get(`/api/v1/deliveries.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);

  it('exports a header and one row per delivery created in the window, neutralising formula cells and naming no child', async () => {
    // Created before the window: must not appear.
    const earlier = await post(morpethReport());
    const outside = await settledDeliveries(earlier.episodeId, 4);
    // The window starts on a later millisecond than the earlier deliveries: a wait for the clock.
    const lastOutside = Math.max(...outside.map((d) => Date.parse(d.createdAt)));
    await until(() => Date.now(), (t) => t > lastOutside, 'the clock past the earlier deliveries');
    const from = new Date().toISOString();
    const hexham = await post(hexhamReport());
    const morpeth = await post(morpethReport());
    const inside = [...(await settledDeliveries(hexham.episodeId, 1)), ...(await settledDeliveries(morpeth.episodeId, 4))];
    const to = new Date().toISOString();

    const res = await csvGet(from, to);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(text) as string[][];
    expect(header).toEqual(expect.arrayContaining(['deliveryId', 'episodeId', 'eventId', 'status', 'organisationName', 'contactEmail']));
    const column = (name: string) => header!.indexOf(name);
    const ids = rows.map((r) => r[column('deliveryId')]!);
    expect(ids).toEqual(expect.arrayContaining(inside.map((d) => d.deliveryId)));
    for (const d of outside) expect(ids).not.toContain(d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const row of rows) {
      expect(row).toHaveLength(header!.length);
      const createdAt = Date.parse(row[column('createdAt')]!);
      expect(createdAt).toBeGreaterThanOrEqual(Date.parse(from));
      expect(createdAt).toBeLessThanOrEqual(Date.parse(to));
    }

    const formula = rows.find((r) => r[column('deliveryId')] === inside[0]!.deliveryId)!;
    expect(formula[column('organisationName')]).not.toMatch(/^=/);
    expect(formula[column('organisationName')]).toContain('SUM(1+1)');
    expect(formula[column('contactName')]).not.toMatch(/^@/);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+@\t\r]/);
    expect(text).not.toMatch(/(^|[,\n])"?=SUM/);

    for (const detail of [CHILD.givenName, CHILD.familyName, CHILD.dateOfBirth, CHILD.description]) expect(text).not.toContain(detail);
  });

  it('exports only the header for a window in the past', async () => {
    const res = await csvGet('2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z');
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^deliveryId,/);
  });

  it('writes an audit entry for the export', async () => {
    const before = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'deliveries.export').length;
    expect((await csvGet('2020-01-01', '2020-01-02')).status).toBe(200);
    const after = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'deliveries.export');
    expect(after).toHaveLength(before + 1);
    expect(after[0]!.actor).toMatch(/^mash:/);
  });

  it('answers 422 for a bad date or a from after to, and 401 without a session', async () => {
    await expectProblem(await csvGet('not-a-date', '2020-01-02'), 422);
    await expectProblem(await csvGet('2020-13-01', '2020-12-02'), 422);
    await expectProblem(await csvGet('2020-02-01T00:00:00Z', '2020-01-01T00:00:00Z'), 422);
    await expectProblem(await nobody.get('/api/v1/deliveries.csv?from=2020-01-01&to=2020-01-02'), 401);
    const withKey = await feedGet('/api/v1/deliveries.csv?from=2020-01-01&to=2020-01-02', FEED_A.key);
    expect([401, 403]).toContain(withKey.status);
  });
});

describe('GET /api/v1/events/{eventId}', () => {
  type EventStatus = { eventId: string; episodeId: string; type: string; receivedAt: string; state: string; deliveries: Record<string, number> };
  const status = async (eventId: string) => json<EventStatus>(await app.get(`/api/v1/events/${eventId}`), 200);

  it('moves from accepted to routed to done, counting the deliveries by status', async () => {
    const report = morpethReport();
    await app.queues.fanout.pause();
    await app.queues.deliver.pause();
    try {
      const { episodeId } = await post(report);
      expect(await status(report.eventId)).toEqual({
        eventId: report.eventId,
        episodeId,
        type: 'missing.reported',
        receivedAt: expect.stringMatching(ISO),
        state: 'accepted',
        deliveries: {},
      });
      await app.queues.fanout.resume();
      const routed = await until(() => status(report.eventId), (s) => s.state === 'routed', 'routed event');
      expect(routed.deliveries).toEqual({ pending: 4 });
      await app.queues.deliver.resume();
      const done = await until(() => status(report.eventId), (s) => s.state === 'done', 'done event');
      expect(done.deliveries).toEqual({ sent: 4 });
    } finally {
      await app.queues.fanout.resume();
      await app.queues.deliver.resume();
    }
  });

  it('counts a permanent failure beside the sent deliveries: { sent: 3, failed: 1 }', async () => {
    const { report } = await reportWithFailedDelivery();
    const done = await until(() => status(report.eventId), (s) => s.state === 'done', 'done event');
    expect(done.deliveries).toEqual({ sent: 3, failed: 1 });
  });
});
