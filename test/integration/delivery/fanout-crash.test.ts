import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutEvent } from '../../../src/episodes/fan-out';
import { eventUid } from '../../../src/intake/ids';
import type { DeliverJob } from '../../../src/platform/queues';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001'), practice('Y90001'), school('990002')]);
});
afterAll(async () => {
  await app.close();
});

describe('a fan-out that dies while queuing its deliveries', () => {
  // Direct deliveries are written and queued first (one addBulk), then the area one: dying at the
  // first addBulk leaves the direct records without jobs and no area record; at the second, the
  // direct jobs queued and the area record written without its job.
  it.each([
    { before: 'queuing the direct deliveries', bulksThatSucceed: 0 },
    { before: 'queuing the area deliveries', bulksThatSucceed: 1 },
  ])('queues every delivery of the event when it runs again, when it died before $before', async ({ bulksThatSucceed }) => {
    const report = reportedEvent();
    expect((await app.post('/api/v1/events', report)).status).toBe(202);
    const uid = eventUid(FEED_A.feedId, report.eventId);
    const base = { ...app.stores, lockMs: 2000, now: () => new Date() };

    let bulks = 0;
    const dying = {
      addBulk: async (...args: Parameters<Queue<DeliverJob>['addBulk']>) => {
        if (bulks++ >= bulksThatSucceed) throw new Error('process killed');
        return app.queues.deliver.addBulk(...args);
      },
    } as unknown as Queue<DeliverJob>;
    await expect(fanOutEvent({ ...base, deliver: dying }, uid, 3)).rejects.toThrow('process killed');
    expect((await app.stores.events.get(uid))?.state).toBe('accepted');
    const episodeId = (await app.stores.events.get(uid))!.episodeId;
    const left = await app.stores.deliveries.ofEpisode(episodeId);
    expect(left.map((d) => d.audience).sort()).toEqual(bulksThatSucceed === 0 ? ['direct', 'direct'] : ['area', 'direct', 'direct']);
    const queued = await Promise.all(left.map((d) => app.queues.deliver.getJob(d.deliveryId)));
    expect(queued.filter(Boolean)).toHaveLength(bulksThatSucceed === 0 ? 0 : 2);

    expect(await fanOutEvent({ ...base, deliver: app.queues.deliver }, uid, 3)).toBe('routed');
    const deliveries = await app.stores.deliveries.ofEpisode(episodeId);
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) {
      expect(await app.queues.deliver.getJob(d.deliveryId), d.deliveryId).toBeDefined();
      // Created once: the run again found the record and wrote no second history line.
      expect(d.history.filter((h) => h.status === 'pending'), d.deliveryId).toHaveLength(1);
    }
  });
});
