import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventUid } from '../../../src/intake/ids';
import { FEED_A, FEED_B, startTestApp, type TestApp } from '../../helpers/app';
import { cancelledEvent, foundEvent, reportedEvent, updatedEvent, uniqueId } from '../../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const fanoutJob = (feedId: string, eventId: string) => app.queues.fanout.getJob(`fo-${eventUid(feedId, eventId)}`);

describe('POST /api/v1/events', () => {
  it('accepts a valid report with 202, a Location and the episode id, and queues its fan-out', async () => {
    const event = reportedEvent();
    const res = await app.post('/api/v1/events', event);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/v1/events/${event.eventId}`);
    const body = await res.json();
    expect(body).toEqual({ eventId: event.eventId, episodeId: expect.stringMatching(/^ep_[0-9a-f]{24}$/), status: 'accepted' });
    const job = await fanoutJob(FEED_A.feedId, event.eventId);
    expect(job?.data).toEqual({ eventUid: eventUid(FEED_A.feedId, event.eventId) });
  });

  it('puts no personal data in the fan-out job', async () => {
    const event = reportedEvent();
    await app.post('/api/v1/events', event);
    const job = await fanoutJob(FEED_A.feedId, event.eventId);
    const serialised = JSON.stringify({ data: job?.data, name: job?.name, id: job?.id });
    expect(serialised).not.toContain('Testchild');
    expect(serialised).not.toContain('2013-05-14');
  });

  it('accepts each of the four event types', async () => {
    const report = reportedEvent();
    const ref = report.policeReference;
    for (const event of [report, updatedEvent(ref), foundEvent(ref), cancelledEvent(uniqueId('NP'))]) {
      const res = await app.post('/api/v1/events', event);
      expect(res.status, event.type).toBe(202);
    }
  });

  it('answers a replay of the same content with 200, the same body and Idempotent-Replay, and queues nothing new', async () => {
    const event = reportedEvent();
    const first = await app.post('/api/v1/events', event);
    const firstBody = await first.json();
    const before = await app.queues.fanout.getJobCounts();
    const again = await app.post('/api/v1/events', event);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await app.queues.fanout.getJobCounts()).toEqual(before);
  });

  it('treats the same content with other whitespace and key order as a replay', async () => {
    const event = reportedEvent();
    await app.post('/api/v1/events', event);
    const reordered = { ...event, policeReference: `  ${event.policeReference} `, child: { ...event.child } };
    const res = await app.post('/api/v1/events', Object.fromEntries(Object.entries(reordered).reverse()));
    expect(res.status).toBe(200);
  });

  it('answers 409 when an eventId is reused with other content', async () => {
    const event = reportedEvent();
    await app.post('/api/v1/events', event);
    const res = await app.post('/api/v1/events', { ...event, risk: 'low' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 409, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
  });

  it('keeps eventIds apart per feed: the same eventId from another feed is a new event', async () => {
    const event = reportedEvent();
    expect((await app.post('/api/v1/events', event)).status).toBe(202);
    const other = await app.post('/api/v1/events', { ...event, risk: 'low' }, { key: FEED_B.key });
    expect(other.status).toBe(202);
  });

  it('answers 400 with a problem for malformed JSON', async () => {
    const res = await app.post('/api/v1/events', undefined, { raw: '{"eventId": "x",' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, type: 'urn:endeavor:problem:malformed-json' });
  });

  it('answers 401 without a key, with a wrong key and with a non-bearer scheme', async () => {
    for (const key of [null, 'wrong-key-0123456789abcdefghijkl']) {
      const res = await app.post('/api/v1/events', reportedEvent(), { key });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const basic = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${FEED_A.key}` },
      body: JSON.stringify(reportedEvent()),
    });
    expect(basic.status).toBe(401);
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const res = await app.post('/api/v1/events', undefined, { raw: JSON.stringify({ ...reportedEvent(), padding: 'x'.repeat(70 * 1024) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413 });
  });

  it('answers 415 for a body that is not JSON', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await app.post('/api/v1/events', reportedEvent(), { contentType });
      expect(res.status, contentType).toBe(415);
      expect(await res.json()).toMatchObject({ status: 415 });
    }
  });

  it('answers 422 with field paths when the schema fails', async () => {
    const event = reportedEvent();
    const res = await app.post('/api/v1/events', { ...event, child: { ...event.child, dateOfBirth: '14/05/2013' } });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ status: 422, type: 'urn:endeavor:problem:validation-error' });
    expect(body.errors).toEqual([{ path: 'child.dateOfBirth', message: expect.any(String) }]);
  });

  it('answers 422, not 400, for JSON that is not an object', async () => {
    for (const raw of ['null', '"a string"', '[1,2]', '42', 'true']) {
      const res = await app.post('/api/v1/events', undefined, { raw });
      expect(res.status, raw).toBe(422);
    }
  });

  it('keeps nothing of a rejected event', async () => {
    const event = { ...reportedEvent(), risk: 'extreme' };
    expect((await app.post('/api/v1/events', event)).status).toBe(422);
    expect((await app.get(`/api/v1/events/${event.eventId}`)).status).toBe(404);
    expect(await fanoutJob(FEED_A.feedId, event.eventId)).toBeUndefined();
  });

  it('accepts and keeps follow-ups for an episode not yet reported', async () => {
    const ref = uniqueId('NP');
    const found = foundEvent(ref);
    const res = await app.post('/api/v1/events', found);
    expect(res.status).toBe(202);
    const later = await app.post('/api/v1/events', reportedEvent({ policeReference: ref }));
    expect(later.status).toBe(202);
    expect((await later.json()).episodeId).toBe((await res.json()).episodeId);
  });

  it('gives every event of one police reference the same episode, and other references others', async () => {
    const report = reportedEvent();
    const a = await (await app.post('/api/v1/events', report)).json();
    const b = await (await app.post('/api/v1/events', updatedEvent(report.policeReference))).json();
    const c = await (await app.post('/api/v1/events', reportedEvent())).json();
    expect(b.episodeId).toBe(a.episodeId);
    expect(c.episodeId).not.toBe(a.episodeId);
  });

  it('records exactly one event and one fan-out job when the same event is posted 20 times at once', async () => {
    const event = reportedEvent();
    const before = await app.queues.fanout.getJobCounts();
    const responses = await Promise.all(Array.from({ length: 20 }, () => app.post('/api/v1/events', event)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    const after = await app.queues.fanout.getJobCounts();
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).toBe(1);
    expect(await fanoutJob(FEED_A.feedId, event.eventId)).toBeDefined();
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After when one feed sends faster than the limit, without slowing another feed', async () => {
    const limited = await startTestApp({ env: { INTAKE_RATE_LIMIT: '3' } });
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, () => limited.post('/api/v1/events', reportedEvent())));
      const tooMany = responses.filter((r) => r.status === 429);
      expect(tooMany.length).toBeGreaterThan(0);
      expect(tooMany[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await tooMany[0]!.json()).toMatchObject({ status: 429 });
      const other = await limited.post('/api/v1/events', reportedEvent(), { key: FEED_B.key });
      expect(other.status).toBe(202);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /api/v1/events/{eventId}', () => {
  it('shows the event to its own feed with its state and delivery counts', async () => {
    const event = reportedEvent();
    const accepted = await (await app.post('/api/v1/events', event)).json();
    const res = await app.get(`/api/v1/events/${event.eventId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      eventId: event.eventId,
      episodeId: accepted.episodeId,
      type: 'missing.reported',
      receivedAt: expect.any(String),
      state: 'accepted',
      deliveries: {},
    });
  });

  it('hides an event from another feed and from callers without a key', async () => {
    const event = reportedEvent();
    await app.post('/api/v1/events', event);
    expect((await app.get(`/api/v1/events/${event.eventId}`, { key: FEED_B.key })).status).toBe(404);
    expect((await app.get(`/api/v1/events/${event.eventId}`, { key: null })).status).toBe(401);
  });
});

describe('health and the OpenAPI document', () => {
  it('answers /healthz with 200 and no data', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('answers /readyz with 503 while no workers run, and 200 once they do', async () => {
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    const withWorkers = await startTestApp({ workers: true });
    try {
      expect((await fetch(`${withWorkers.url}/readyz`)).status).toBe(200);
    } finally {
      await withWorkers.close();
    }
  });

  it('serves OpenAPI 3.1 generated from the validating schemas', async () => {
    const res = await fetch(`${app.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const variants = doc.components.schemas.Event.oneOf as { properties: { type: { const: string } }; additionalProperties: boolean }[];
    expect(variants.map((v) => v.properties.type.const).sort()).toEqual(['missing.cancelled', 'missing.found', 'missing.reported', 'missing.updated']);
    expect(variants.every((v) => v.additionalProperties === false)).toBe(true);
    expect(Object.keys(doc.paths['/api/v1/events'].post.responses)).toEqual(
      expect.arrayContaining(['202', '200', '400', '401', '409', '413', '415', '422', '429', '503']),
    );
  });

  it('answers unknown paths with a 404 problem', async () => {
    const res = await fetch(`${app.url}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
