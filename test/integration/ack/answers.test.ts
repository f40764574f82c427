import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACK_POST_LIMITS } from '../../../src/ack/acknowledge';
import { startTestApp, type TestApp } from '../../helpers/app';
import { contact, seedDirectory, school } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §7: a recipient's answer is accepted once per delivery, goes to the police contact only
 * at a POLICE_CONTACT_DOMAINS address (else to MASH), and posts to ack links are rate-limited.
 */

const MASH = 'mash-team@endeavor.test';
let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { NODE_ENV: 'development', MASH_EMAIL: MASH, REMINDER_INTERVAL_HOURS: '0', POLICE_CONTACT_DOMAINS: 'police.test' },
  });
});
afterEach(() => smtp.clear());
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

let nextUrn = 990300;
/** A school of its own, a report about a child there whose police contact is `policeEmail`; resolves with the DSL's ack link. */
async function alerted(policeEmail?: string) {
  const urn = String(nextUrn++);
  const dsl = `dsl@school-${urn}.endeavor.test`;
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school(urn, { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: [contact('Fictional DSL', 'dsl', dsl)] }),
  ]);
  const report = reportedEvent({
    child: { ...reportedEvent().child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' },
    contact: { name: 'PC Example Officer', phone: '101', ...(policeEmail ? { email: policeEmail } : {}) },
  });
  const { episodeId } = (await (await app.post('/api/v1/events', report)).json()) as { episodeId: string };
  const mails = await smtp.waitFor((m) => m.some((x) => x.to.includes(dsl)));
  const mail = mails.find((m) => m.to.includes(dsl))!;
  const path = /http:\/\/localhost:0(\/ack\/[^\s"<>]+)/.exec(mail.text)![1]!;
  const deliveryId = (await app.stores.deliveries.ofEpisode(episodeId))[0]!.deliveryId;
  smtp.clear();
  return { report, path, deliveryId };
}

async function csrfOf(path: string) {
  return /name="csrf" value="([^"]+)"/.exec(await (await fetch(app.url + path)).text())![1]!;
}
const postForm = (path: string, fields: Record<string, string>) =>
  fetch(app.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

/** Until the notice queue has nothing left to do: "nothing else was sent" is checked after this. */
async function noticesDrained() {
  await until(
    () => app.queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'),
    (counts) => Object.values(counts).every((n) => n === 0),
    'the notice queue drained',
  );
}
const answersTo = (address: string, mails: CaughtMail[] = smtp.mails) => mails.filter((m) => m.to.includes(address) && m.subject.includes('Information from'));

describe('answers on the acknowledgement page', () => {
  it('accepts the answer once: a second post changes nothing, sends nothing, and says it was already received', async () => {
    const police = 'mispers@police.test';
    const { path, deliveryId } = await alerted(police);
    const csrf = await csrfOf(path);
    expect((await postForm(path, { csrf, note: 'First note (fictional).' })).status).toBe(200);
    await smtp.waitFor((m) => answersTo(police, m).length === 1);

    const again = await postForm(path, { csrf, inSchoolToday: 'yes', note: 'Second note (fictional).' });
    expect(again.status).toBe(200);
    expect(await again.text()).toMatch(/already received/i);
    await noticesDrained();
    expect(answersTo(police)).toHaveLength(1);
    expect(answersTo(police)[0]!.text).toContain('First note (fictional).');
    const stored = await app.stores.deliveries.get(deliveryId);
    expect(stored?.acknowledgement).toEqual({ inSchoolToday: null, note: 'First note (fictional).' });
    expect(stored?.answeredAt).not.toBeNull();
    // The page no longer offers to take an answer.
    const page = await (await fetch(app.url + path)).text();
    expect(page).not.toContain('name="note"');
    expect(page).toMatch(/answer was received/i);
  });

  it('emails the police contact at a police domain or a subdomain of one', async () => {
    const police = 'mispers@northern.police.test';
    const { path } = await alerted(police);
    expect((await postForm(path, { csrf: await csrfOf(path), inSchoolToday: 'yes' })).status).toBe(200);
    const mails = await smtp.waitFor((m) => answersTo(police, m).length === 1);
    expect(answersTo(MASH, mails)).toHaveLength(0);
  });

  it.each([['mispers@elsewhere.example.test'], ['mispers@notpolice.test'], [undefined]])(
    'sends the answer to MASH, never to a police contact outside the police domains (%s)',
    async (police) => {
      const { path } = await alerted(police);
      expect((await postForm(path, { csrf: await csrfOf(path), note: 'Seen at the gate (fictional).' })).status).toBe(200);
      await smtp.waitFor((m) => answersTo(MASH, m).length === 1);
      await noticesDrained();
      if (police) expect(smtp.mails.filter((m) => m.to.includes(police))).toHaveLength(0);
    },
  );

  it.each([
    ['a right-to-left override', 'Seen at the \u202Eetag\u202C (fictional).', /direction-changing/],
    ['an isolate', 'Seen \u2066near\u2069 the gate (fictional).', /direction-changing/],
    ['a control character', 'Seen\u0007 at the gate (fictional).', /control characters/],
    ['a zero-width space', 'Seen\u200B at the gate (fictional).', /invisible/],
    ['more than 500 characters', 'x'.repeat(501), /at most 500/],
  ])('refuses a note with %s: a 400 page, nothing kept, nothing sent', async (_what, note, message) => {
    const police = 'mispers@police.test';
    const { path, deliveryId } = await alerted(police);
    const res = await postForm(path, { csrf: await csrfOf(path), note });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(message);
    await noticesDrained();
    const stored = await app.stores.deliveries.get(deliveryId);
    expect(stored?.answeredAt).toBeNull();
    expect(stored?.acknowledgedAt).toBeNull();
    expect(answersTo(police)).toHaveLength(0);
  });

  it('keeps a note written over several lines as one paragraph', async () => {
    const police = 'mispers@police.test';
    const { path, deliveryId } = await alerted(police);
    expect((await postForm(path, { csrf: await csrfOf(path), note: 'Seen at the gate.\r\nWearing a green coat (fictional).' })).status).toBe(200);
    await smtp.waitFor((m) => answersTo(police, m).length === 1);
    expect((await app.stores.deliveries.get(deliveryId))?.acknowledgement.note).toBe('Seen at the gate. Wearing a green coat (fictional).');
  });

  it('rate-limits posts to one link: over the limit a 429 page with Retry-After, and nothing recorded', async () => {
    const { path, deliveryId } = await alerted('mispers@police.test');
    const csrf = await csrfOf(path);
    for (let i = 0; i < ACK_POST_LIMITS.perLink.limit; i++) expect((await postForm(path, { csrf })).status).toBe(200);
    const limited = await postForm(path, { csrf, note: 'One too many (fictional).' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toMatch(/text\/html/);
    expect(await limited.text()).toMatch(/too many/i);
    expect((await app.stores.deliveries.get(deliveryId))?.acknowledgement.note).toBeNull();
    // Another link from the same address is still served.
    const other = await alerted('mispers@police.test');
    expect((await postForm(other.path, { csrf: await csrfOf(other.path) })).status).toBe(200);
  });
});

describe('posts from one client address', () => {
  it('are limited across links, bad ones included', async () => {
    const own = await startTestApp({ env: { NODE_ENV: 'development' } });
    try {
      const post = (path: string) =>
        fetch(own.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
      for (let i = 0; i < ACK_POST_LIMITS.perAddress.limit; i++) expect((await post(`/ack/not-a-token-${i}`)).status).toBe(404);
      const limited = await post('/ack/not-a-token-last');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await own.close();
    }
  });
});
