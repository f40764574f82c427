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
  it('queues every delivery of the event when it runs again, so none is stranded', async () => {
    const report = reportedEvent();
    expect((await app.post('/api/v1/events', report)).status).toBe(202);
    const uid = eventUid(FEED_A.feedId, report.eventId);
    const base = { ...app.stores, lockMs: 2000, now: () => new Date() };

    // The first run "dies" after queuing one delivery: records and recipients are written, jobs are not.
    let added = 0;
    const dying = {
      add: async (...args: Parameters<Queue<DeliverJob>['add']>) => {
        if (added++ >= 1) throw new Error('process killed');
        return app.queues.deliver.add(...args);
      },
    } as unknown as Queue<DeliverJob>;
    await expect(fanOutEvent({ ...base, deliver: dying }, uid, 3)).rejects.toThrow('process killed');
    expect((await app.stores.events.get(uid))?.state).toBe('accepted');

    expect(await fanOutEvent({ ...base, deliver: app.queues.deliver }, uid, 3)).toBe('routed');
    const deliveries = await app.stores.deliveries.ofEpisode((await app.stores.events.get(uid))!.episodeId);
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) expect(await app.queues.deliver.getJob(d.deliveryId), d.deliveryId).toBeDefined();
  });
});
