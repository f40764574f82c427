import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { reportedEvent } from '../../helpers/factories';

/*
 * SPEC §2 REDIS_WAIT_REPLICAS: an accepted event must be on that many replicas before the 202.
 * The suite's Redis has no replica, so every WAIT falls short: intake answers 503 + Retry-After,
 * keeps the event (a replay, not a conflict, when the caller retries), and queues nothing yet.
 */
let waiting: TestApp;
let notWaiting: TestApp;

beforeAll(async () => {
  waiting = await startTestApp({ env: { NODE_ENV: 'development', REDIS_WAIT_REPLICAS: '1' } });
  notWaiting = await startTestApp({ env: { NODE_ENV: 'development', REDIS_WAIT_REPLICAS: '0' } });
});
afterAll(async () => {
  await waiting.close();
  await notWaiting.close();
});

describe('REDIS_WAIT_REPLICAS', () => {
  it('answers 503 with Retry-After when no replica acknowledges the event, and keeps it for the retry', async () => {
    const event = reportedEvent();
    const first = await waiting.post('/api/v1/events', event);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(first.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await first.json()) as { status: number; detail: string };
    expect(problem.status).toBe(503);
    expect(problem.detail).toMatch(/retry with the same eventId/);

    // Stored: the retry is the same event, so it is a replay; it waits for a replica again.
    const status = await waiting.get(`/api/v1/events/${event.eventId}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ eventId: event.eventId, state: 'accepted' });
    const retry = await waiting.post('/api/v1/events', event);
    expect(retry.status).toBe(503);
    const conflicting = await waiting.post('/api/v1/events', { ...event, risk: 'low' });
    expect(conflicting.status).toBe(409);
    console.log(`replica wait: first ${first.status}, retry ${retry.status}, stored state accepted`);
  });

  it('answers 202 without waiting when REDIS_WAIT_REPLICAS is 0', async () => {
    const res = await notWaiting.post('/api/v1/events', reportedEvent());
    expect(res.status).toBe(202);
  });
});
