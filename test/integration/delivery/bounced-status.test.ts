import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

/* The bounced status in the store's Lua: the same machine as delivery-status.ts, with its indexes and counts. */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
});
afterAll(async () => {
  await app?.close();
});

const newDelivery = (): NewDelivery => ({
  deliveryId: `dl_${randomBytes(12).toString('hex')}`,
  eventUid: uniqueId('uid'),
  eventId: uniqueId('ev'),
  episodeId: `ep_${randomBytes(12).toString('hex')}`,
  feedId: 'northumbria-test',
  kind: 'alert',
  audience: 'direct',
  organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
  contact: { contactId: 'c0ffee', name: 'Fictional DSL', email: 'dsl@school-990001.endeavor.test', role: 'dsl' },
  threadOf: null,
  asOf: null,
  ackable: true,
  risk: 'high',
  priority: 1,
  status: 'pending',
});

async function sentDelivery() {
  const d = newDelivery();
  const store = app.stores.deliveries;
  const now = new Date();
  await store.create(d, now, 'created');
  expect((await store.transition(d.deliveryId, 'sending', now, { detail: 'attempt 1', countAttempt: true })).ok).toBe(true);
  expect((await store.transition(d.deliveryId, 'sent', now, { detail: '250 OK', fields: { sentAt: now.toISOString() } })).ok).toBe(true);
  return d;
}

describe('the bounced status in the delivery store', () => {
  it('takes a sent delivery out of sent, the overdue list and escalation, and into bounced and its counts', async () => {
    const store = app.stores.deliveries;
    const d = await sentDelivery();
    expect(await store.unacknowledged()).toContain(d.deliveryId);
    expect(await store.awaitingEscalation(Date.now() + 1000)).toContain(d.deliveryId);

    const moved = await store.transition(d.deliveryId, 'bounced', new Date(), { detail: 'BOUNCED 5.1.1: x', fields: { lastError: 'BOUNCED 5.1.1: x' } });
    expect(moved).toEqual({ ok: true, from: 'sent' });
    expect(await store.withStatus('bounced')).toContain(d.deliveryId);
    expect(await store.withStatus('sent')).not.toContain(d.deliveryId);
    expect(await store.unacknowledged()).not.toContain(d.deliveryId);
    expect(await store.awaitingEscalation(Date.now() + 1000)).not.toContain(d.deliveryId);
    expect(await store.countsOfEvent(d.eventUid)).toEqual({ bounced: 1 });
    expect((await store.get(d.deliveryId))!.lastError).toBe('BOUNCED 5.1.1: x');
  });

  it('refuses to bounce a delivery that was never sent, and to move a bounced one anywhere but back to pending', async () => {
    const store = app.stores.deliveries;
    const pending = newDelivery();
    await store.create(pending, new Date(), 'created');
    expect(await store.transition(pending.deliveryId, 'bounced', new Date(), { detail: 'x' })).toEqual({ ok: false, current: 'pending' });

    const d = await sentDelivery();
    await store.transition(d.deliveryId, 'bounced', new Date(), { detail: 'x' });
    for (const to of ['sent', 'sending', 'failed', 'superseded', 'bounced'] as const) {
      expect(await store.transition(d.deliveryId, to, new Date(), { detail: 'x' }), to).toEqual({ ok: false, current: 'bounced' });
    }
    expect(await store.transition(d.deliveryId, 'pending', new Date(), { detail: 'retry' })).toEqual({ ok: true, from: 'bounced' });
    expect(await store.countsOfEvent(d.eventUid)).toEqual({ pending: 1 });
  });
});
