import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { contact, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { drained } from '../../helpers/drain';
import { escalateAt, later } from '../../helpers/maintenance';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §5 and §7: no child's name in any subject, and none on the acknowledgement page, even
 * when the police reference itself holds the name (`NP-QUILLBY-77` for a child called Zara
 * Quillby). Every email and page is produced by the running service: alerts, the failure
 * notice, the escalation notice, the notice with the recipient's answer, both ack pages.
 * And §7: an escalation goes to the deputies of an organisation that is still active only.
 * All names and addresses are fictional.
 */

const MASH = 'mash-team@endeavor.test';
const POLICE = 'mispers@force.police.test';
const NAME = /zara|quillby/i;
const HOUR = 3600_000;

let smtp: TestSmtp;
let app: TestApp;
let refuse = new Set<string>();

beforeAll(async () => {
  smtp = await startTestSmtp();
  smtp.respondToRcptWith((to) => (refuse.has(to) ? 550 : 250));
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: {
      NODE_ENV: 'development',
      MASH_EMAIL: MASH,
      SCHOOL_HOURS: 'always',
      ACK_DEADLINE_SECONDS: '3600',
      REMINDER_INTERVAL_HOURS: '0',
      POLICE_CONTACT_DOMAINS: 'police.test',
    },
  });
});
afterEach(() => {
  smtp.clear();
  refuse = new Set();
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

const ackPath = (mail: CaughtMail) => /http:\/\/localhost:0(\/ack\/[^\s"<>]+)/.exec(mail.text)?.[1];

/** A school of its own with a DSL, a second DSL and a deputy, and a report about a child there. */
async function setting(urn: string, policeReference: string, child: { givenName: string; familyName: string }) {
  const people = {
    leaver: contact('Fictional Leaver', 'dsl', `leaver@school-${urn}.endeavor.test`),
    dsl: contact('Fictional DSL', 'dsl', `dsl@school-${urn}.endeavor.test`),
    deputy: contact('Fictional Deputy', 'deputy', `deputy@school-${urn}.endeavor.test`),
  };
  const org = school(urn, { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: Object.values(people) });
  await seedDirectory(app.redis, app.config.queuePrefix, [org]);
  const report = reportedEvent({
    policeReference,
    child: { ...reportedEvent().child, ...child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' },
    contact: { name: 'PC Example Officer', phone: '101', email: POLICE },
  });
  return { org, people, report };
}

async function post(report: ReturnType<typeof reportedEvent>) {
  const res = await app.post('/api/v1/events', report);
  expect(res.status).toBe(202);
  return ((await res.json()) as { episodeId: string }).episodeId;
}

describe('a police reference that holds the child’s name', () => {
  it('is withheld from every subject the service sends and from both acknowledgement pages', async () => {
    const { people, report } = await setting('990701', 'NP-QUILLBY-77', { givenName: 'Zara', familyName: 'Quillby' });
    refuse.add(people.leaver.email);
    const episodeId = await post(report);

    // The leaver's address is refused: a failure notice to MASH.
    await smtp.waitFor((m) => m.some((x) => x.to.includes(MASH) && x.subject.includes('Delivery failed')));
    const alert = (await smtp.waitFor((m) => m.some((x) => x.to.includes(people.dsl.email)))).find((x) => x.to.includes(people.dsl.email))!;
    const path = ackPath(alert)!;

    // The page a link holder sees, before and after confirming with an answer for police.
    const page = await (await fetch(app.url + path)).text();
    expect(page).toContain('Confirm receipt');
    expect(page).not.toMatch(NAME);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const confirmed = await fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, inSchoolToday: 'yes' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    const confirmedPage = await confirmed.text();
    expect(confirmedPage).toContain('Receipt confirmed');
    expect(confirmedPage).not.toMatch(NAME);
    await smtp.waitFor((m) => m.some((x) => x.to.includes(POLICE) && x.subject.includes('Information from')));

    // The deputy does not acknowledge: the escalation notice.
    const sent = await until(() => app.stores.deliveries.ofEpisode(episodeId), (ds) => ds.some((d) => d.contact.contactId === people.deputy.contactId && d.status === 'sent'), 'the deputy’s alert sent');
    const deputySentAt = Date.parse(sent.find((d) => d.contact.contactId === people.deputy.contactId)!.sentAt!);
    await escalateAt(app, later(2 * HOUR, new Date(deputySentAt)));
    await smtp.waitFor((m) => m.some((x) => x.subject.includes('Not acknowledged')));
    await drained(app.queues, { deliveries: app.stores.deliveries });

    const subjects = smtp.mails.map((m) => m.subject);
    for (const kind of ['missing child alert', 'Delivery failed', 'Information from', 'Not acknowledged']) {
      expect(subjects.filter((s) => s.includes(kind)), kind).not.toHaveLength(0);
    }
    for (const subject of subjects) {
      expect(subject).not.toMatch(NAME);
      expect(subject).toContain('ref [withheld]');
    }
  });

  it('is shown as given when it does not hold the name', async () => {
    const { people, report } = await setting('990702', 'NP-2026-000777', { givenName: 'Zara', familyName: 'Quillby' });
    await post(report);
    const alert = (await smtp.waitFor((m) => m.some((x) => x.to.includes(people.dsl.email)))).find((x) => x.to.includes(people.dsl.email))!;
    expect(alert.subject).toContain('ref NP-2026-000777');
    expect(await (await fetch(app.url + ackPath(alert)!)).text()).toContain('NP-2026-000777');
  });
});

describe('an escalation for an organisation deactivated since the alert', () => {
  it('goes to MASH alone, never to the deactivated organisation’s deputies', async () => {
    const { org, people, report } = await setting('990703', 'NP-2026-000778', { givenName: 'Testchild', familyName: 'Fictional' });
    const episodeId = await post(report);
    const sent = await until(() => app.stores.deliveries.ofEpisode(episodeId), (ds) => ds.length === 3 && ds.every((d) => d.status === 'sent'), 'three alerts sent');
    const lastSentAt = Math.max(...sent.map((d) => Date.parse(d.sentAt!)));
    await app.directory.put({ ...org, active: false, deactivatedBy: 'admin' });
    smtp.clear();

    // Other tests' episodes escalate too: only this one's notices (by reference) are counted.
    const ours = (m: CaughtMail) => m.subject.includes('Not acknowledged') && m.subject.includes(report.policeReference);
    await escalateAt(app, later(2 * HOUR, new Date(lastSentAt)));
    await smtp.waitFor((m) => m.filter(ours).length === 3);
    await drained(app.queues, { deliveries: app.stores.deliveries });
    const escalations = smtp.mails.filter(ours);
    expect(escalations.flatMap((m) => m.to)).toEqual([MASH, MASH, MASH]);
    expect(smtp.mails.filter((m) => m.to.includes(people.deputy.email))).toHaveLength(0);
  });
});
