import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

/* Creating a batch of deliveries in one round trip: the create script's rules, delivery by delivery. */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

const delivery = (event: { eventUid: string; episodeId: string }, n: number, status: 'pending' | 'superseded' = 'pending'): NewDelivery => ({
  deliveryId: `dl_${randomBytes(12).toString('hex')}`,
  eventUid: event.eventUid,
  eventId: 'ev-create-many',
  episodeId: event.episodeId,
  feedId: 'northumbria-test',
  kind: 'alert',
  audience: 'area',
  organisation: { type: 'school', id: `99${String(n).padStart(4, '0')}`, name: `Fictional School ${n}` },
  contact: { contactId: `c-${n}`, name: `Fictional DSL ${n}`, email: `dsl@school-${n}.endeavor.test`, role: 'dsl' },
  threadOf: null,
  asOf: null,
  ackable: false,
  risk: 'medium',
  priority: 5,
  status,
});

describe('creating many deliveries at once', () => {
  it('creates those that do not exist, returns their ids, and leaves the others as they were', async () => {
    const store = app.stores.deliveries;
    const event = { eventUid: uniqueId('uid'), episodeId: `ep_${randomBytes(12).toString('hex')}` };
    const earlier = [delivery(event, 1), delivery(event, 2)];
    const now = new Date();
    expect(await store.createMany(earlier, now, 'created')).toEqual(new Set(earlier.map((d) => d.deliveryId)));
    expect((await store.transition(earlier[0]!.deliveryId, 'sending', now, { detail: 'attempt 1', eventUid: event.eventUid })).ok).toBe(true);

    const later = [delivery(event, 3), delivery(event, 4, 'superseded')];
    const created = await store.createMany([...earlier, ...later], new Date(), (d) => (d.status === 'superseded' ? 'closed before its report' : 'created'));
    expect(created).toEqual(new Set(later.map((d) => d.deliveryId)));

    const all = await store.ofEpisode(event.episodeId);
    expect(all.map((d) => d.deliveryId).sort()).toEqual([...earlier, ...later].map((d) => d.deliveryId).sort());
    expect((await store.get(earlier[0]!.deliveryId))!.status).toBe('sending');
    expect((await store.get(earlier[1]!.deliveryId))!.history).toHaveLength(1);
    expect((await store.get(later[1]!.deliveryId))!.history.map((h) => h.detail)).toEqual(['closed before its report']);
    expect(await store.countsOfEvent(event.eventUid)).toEqual({ pending: 2, sending: 1, superseded: 1 });
    expect(await store.withStatus('superseded')).toContain(later[1]!.deliveryId);
  });
});
