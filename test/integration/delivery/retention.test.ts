import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { school, seedDirectory } from '../../helpers/directory';
import { foundEvent, reportedEvent } from '../../helpers/factories';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { drained } from '../../helpers/drain';
import { later, purgeAt } from '../../helpers/maintenance';

/* The purge is run directly at a chosen moment (purgeAt), not by moving a clock and waiting for the scheduler. */
const DAY = 24 * 3600_000;

let smtp: TestSmtp;
let app: TestApp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { RETENTION_DAYS: '2', REMINDER_INTERVAL_HOURS: '0' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { locality: 'Hexham', postcode: 'NE46 1AA' })]);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const hexham = () => reportedEvent({ child: { ...reportedEvent().child, schoolUrn: '990001', gpOdsCode: undefined, postcodeDistrict: 'NE46' } });

async function settle(ref: string, mails: number) {
  await smtp.waitFor((m) => m.filter((x) => x.subject.includes(ref)).length >= mails);
  await drained(app.queues);
}

describe('retention', () => {
  it('purges a closed episode, its events and its deliveries RETENTION_DAYS after closing, and keeps open ones', async () => {
    const closed = hexham();
    const open = hexham();
    const { episodeId: closedId } = await (await app.post('/api/v1/events', closed)).json();
    const { episodeId: openId } = await (await app.post('/api/v1/events', open)).json();
    await settle(closed.policeReference, 1);
    await settle(open.policeReference, 1);
    expect((await app.post('/api/v1/events', foundEvent(closed.policeReference))).status).toBe(202);
    await settle(closed.policeReference, 2);
    const closedAt = new Date();
    expect((await app.stores.episodes.get(closedId))?.closedAt).toBeTruthy();
    const deliveryIds = (await app.stores.deliveries.ofEpisode(closedId)).map((d) => d.deliveryId);
    expect(deliveryIds).toHaveLength(2);
    // What each event's messages described was kept once per event (the report's and the found's).
    const factsKeys = (await app.stores.events.eventsOfEpisode(closedId)).map((e) => app.stores.deliveries.keys.messageFacts(e.uid));
    expect(await app.redis.exists(...factsKeys)).toBe(2);

    // One day after closing: kept.
    expect(await purgeAt(app, later(1 * DAY, closedAt))).toBe(0);
    expect((await app.get(`/api/v1/episodes/${closedId}`)).status).toBe(200);

    // Three days after (RETENTION_DAYS is 2): gone, and only it.
    expect(await purgeAt(app, later(3 * DAY, closedAt))).toBe(1);
    expect((await app.get(`/api/v1/episodes/${closedId}`)).status).toBe(404);
    expect((await app.get(`/api/v1/events/${closed.eventId}`)).status).toBe(404);
    expect(await app.stores.deliveries.load(deliveryIds)).toEqual([]);
    const leftovers = await app.redis.keys(`${app.config.queuePrefix}:*${closedId}*`);
    expect(leftovers).toEqual([]);
    expect(await app.redis.exists(...factsKeys)).toBe(0);
    const stillThere = await app.redis.hgetall(`${app.config.queuePrefix}:event:${(await app.stores.events.eventsOfEpisode(openId))[0]!.uid}`);
    expect(stillThere.event).toContain('Testchild');

    expect((await app.get(`/api/v1/episodes/${openId}`)).status).toBe(200);

    // A feed replaying the purged report gets the replay answer and nobody is alerted again.
    smtp.clear();
    const replay = await app.post('/api/v1/events', closed);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect((await app.post('/api/v1/events', { ...closed, risk: 'low' })).status).toBe(409);
    await drained(app.queues);
    expect(smtp.mails.filter((m) => m.subject.includes(closed.policeReference))).toHaveLength(0);
  });
});
