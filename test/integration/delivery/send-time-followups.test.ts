import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, updatedEvent } from '../../helpers/factories';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { drained } from '../../helpers/drain';
import { until } from '../../helpers/until';

/*
 * SPEC §4 "Follow-ups go to everyone who was sent the alert" with §6 "The right person, at send
 * time": a follow-up to an organisation deactivated since the alert is still planned, then
 * superseded at send time, and the MASH team is told once per episode and organisation.
 */

const MASH = 'mash-followups@endeavor.test';
let smtp: TestSmtp;
let app: TestApp;
let admin: AsUser;

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { NODE_ENV: 'development', RETRY_BASE_MS: '100', RETRY_MAX_DELAY_MS: '200', MASH_EMAIL: MASH, REMINDER_INTERVAL_HOURS: '0' },
  });
  admin = asUser(app, await signIn(app, 'admin'));
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

const deliveriesOf = (episodeId: string) => app.stores.deliveries.ofEpisode(episodeId);
const noticesToMash = () => smtp.mails.filter((m) => m.to.includes(MASH) && m.subject.includes('Recipient no longer active'));

describe('follow-ups to an organisation deactivated since the alert', () => {
  it('supersedes the update to the deactivated GP practice, tells MASH once, and still updates the school', async () => {
    const dsl = contact('Fictional DSL', 'dsl', 'dsl@school-990141.endeavor.test');
    const lead = contact('Fictional GP Lead', 'safeguarding_lead', 'lead@gp-y90141.endeavor.test');
    const own = school('990141', { locality: 'Hexham', postcode: 'NE46 1AA', receivesAreaAlerts: false, contacts: [dsl] });
    const gp = practice('Y90141', { locality: 'Hexham', postcode: 'NE46 2BB', receivesAreaAlerts: false, contacts: [lead] });
    await seedDirectory(app.redis, app.config.queuePrefix, [own, gp]);
    const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: own.id, gpOdsCode: gp.id, postcodeDistrict: 'NE46' } });
    const res = await app.post('/api/v1/events', report);
    expect(res.status).toBe(202);
    const { episodeId } = (await res.json()) as { episodeId: string };
    await until(() => deliveriesOf(episodeId), (ds) => ds.length === 2 && ds.every((d) => d.kind === 'alert' && d.status === 'sent'), 'both alerts sent');

    expect((await admin.delete(`/api/v1/organisations/gp/${gp.id}`)).status).toBeLessThan(300);
    expect((await app.post('/api/v1/events', updatedEvent(report.policeReference))).status).toBe(202);

    const after = await until(
      () => deliveriesOf(episodeId),
      (ds) => ds.some((d) => d.kind === 'update' && d.organisation.id === gp.id && d.status === 'superseded') && ds.some((d) => d.kind === 'update' && d.organisation.id === own.id && d.status === 'sent'),
      'the GP update superseded, the school updated',
    );
    const toGp = after.find((d) => d.kind === 'update' && d.organisation.id === gp.id)!;
    expect(toGp).toMatchObject({ audience: 'direct', threadOf: after.find((d) => d.kind === 'alert' && d.organisation.id === gp.id)!.deliveryId });
    expect(toGp.history.some((h) => h.status === 'superseded' && /organisation has been deactivated/.test(h.detail))).toBe(true);
    await smtp.waitFor(() => noticesToMash().length > 0);
    await drained(app.queues);
    expect(noticesToMash()).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes(lead.email))).toHaveLength(1);

    // A second update: superseded again for the practice, and MASH is not told twice.
    expect((await app.post('/api/v1/events', updatedEvent(report.policeReference))).status).toBe(202);
    await until(
      () => deliveriesOf(episodeId),
      (ds) => ds.filter((d) => d.kind === 'update' && d.organisation.id === gp.id && d.status === 'superseded').length === 2 && ds.filter((d) => d.kind === 'update' && d.organisation.id === own.id && d.status === 'sent').length === 2,
      'the second update planned and decided',
    );
    await drained(app.queues);
    expect(noticesToMash()).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes(dsl.email))).toHaveLength(3);
    expect(smtp.mails.filter((m) => m.to.includes(lead.email))).toHaveLength(1);
  });
});
