import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore } from '../../../src/intake/event.store';
import { contentHash, episodeIdOf, eventUid } from '../../../src/intake/ids';
import { parseEvent } from '../../../src/intake/parse-event';
import { OUTBOX_GRACE_MS, sweepOutbox } from '../../../workers/maintenance.worker';
import { FEED_A, startTestApp, type TestApp } from '../../helpers/app';
import { reportedEvent } from '../../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

/** Writes the record the way intake does, then "crashes" before the BullMQ add. */
async function recordWithoutJob() {
  const store = createEventStore(app.redis, app.config.queuePrefix);
  const parsed = parseEvent(reportedEvent(), new Date());
  if (!parsed.ok) throw new Error('factory event should be valid');
  const uid = eventUid(FEED_A.feedId, parsed.event.eventId);
  await store.accept({
    uid,
    feedId: FEED_A.feedId,
    episodeId: episodeIdOf(FEED_A.feedId, parsed.event.policeReference),
    event: parsed.event,
    contentHash: contentHash(parsed.event),
    receivedAt: new Date(),
  });
  return { store, uid, event: parsed.event };
}

describe('the outbox sweeper', () => {
  it('re-queues the fan-out of an event recorded without its job, once the grace period has passed', async () => {
    const { store, uid } = await recordWithoutJob();
    const deps = { events: store, fanout: app.queues.fanout };
    expect(await sweepOutbox({ ...deps, now: () => new Date() })).toBe(0);
    expect(await app.queues.fanout.getJob(`fo-${uid}`)).toBeUndefined();

    const later = () => new Date(Date.now() + OUTBOX_GRACE_MS + 1000);
    expect(await sweepOutbox({ ...deps, now: later })).toBeGreaterThanOrEqual(1);
    expect((await app.queues.fanout.getJob(`fo-${uid}`))?.data).toEqual({ eventUid: uid });
  });

  it('re-queues the job when the caller replays an event whose job was lost', async () => {
    const { uid, event } = await recordWithoutJob();
    const res = await app.post('/api/v1/events', event);
    expect(res.status).toBe(200);
    expect(await app.queues.fanout.getJob(`fo-${uid}`)).toBeDefined();
  });

  it('leaves routed events alone', async () => {
    const { store, uid } = await recordWithoutJob();
    await store.markRouted(uid, new Date());
    expect(await store.unrouted(Date.now() + OUTBOX_GRACE_MS * 2)).not.toContain(uid);
  });
});
