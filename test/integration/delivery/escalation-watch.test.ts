import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '../../../src/delivery/delivery-status';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { startTestApp, type TestApp } from '../../helpers/app';
import { ESCALATION_CASES, type EscalationStep } from '../../helpers/escalation-cases';
import { uniqueId } from '../../helpers/factories';

/*
 * The escalation watch is kept by the delivery store's scripts; awaitsEscalation is its pure
 * twin. Each case of the shared table is lived through the real store on real Redis, and the
 * watch must hold the delivery exactly when the table (and so the pure rule) says it awaits.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const newDelivery = (ackable: boolean): NewDelivery => ({
  deliveryId: uniqueId('dl'),
  eventUid: uniqueId('uid'),
  eventId: 'ev-escalation-watch',
  episodeId: uniqueId('ep'),
  feedId: 'northumbria-test',
  kind: 'alert',
  audience: ackable ? 'direct' : 'area',
  organisation: { type: 'school', id: '990001', name: 'Sample Primary School' },
  contact: { contactId: 'c-1', name: 'Sample Lead', email: 'lead@school.example.test', role: 'dsl' },
  status: 'pending',
  threadOf: null,
  asOf: null,
  ackable,
  risk: 'high',
  priority: 1,
});

async function live(delivery: NewDelivery, steps: readonly EscalationStep[]): Promise<void> {
  const store = app.stores.deliveries;
  const now = new Date();
  const move = async (to: DeliveryStatus, fields?: Record<string, string>) => {
    const moved = await store.transition(delivery.deliveryId, to, now, { detail: `test: ${to}`, eventUid: delivery.eventUid, ...(fields ? { fields } : {}) });
    if (!moved.ok) throw new Error(`the store refused ${to} from ${moved.current}`);
  };
  for (const step of steps) {
    if (step === 'acknowledge') expect((await store.acknowledge(delivery.deliveryId, now, 'test')).outcome).toBe('ok');
    else if (step === 'escalate') expect(await store.markEscalated(delivery.deliveryId, now, 'test')).toBe(true);
    else if (step === 'retry') await move('pending');
    else if (step === 'sent') await move('sent', { sentAt: now.toISOString() });
    else await move(step);
  }
}

describe('the escalation watch in Lua, against the table awaitsEscalation passes', () => {
  it.each(ESCALATION_CASES)('$name: $awaits', async (c) => {
    const delivery = newDelivery(c.ackable);
    const store = app.stores.deliveries;
    expect(await store.create(delivery, new Date(), 'created')).toBe(true);
    await live(delivery, c.steps);

    const record = (await store.get(delivery.deliveryId))!;
    expect({ status: record.status, acknowledged: record.acknowledgedAt !== null, escalated: record.escalatedAt !== null }).toEqual({
      status: c.status,
      acknowledged: c.acknowledged,
      escalated: c.escalated,
    });
    const watched = (await app.redis.zscore(store.keys.escalationWatch, delivery.deliveryId)) !== null;
    expect(watched).toBe(c.awaits);
  });
});

describe('marking a delivery escalated', () => {
  it('refuses one that is no longer sent (it bounced between the list and the mark), as awaitsEscalation does', async () => {
    const delivery = newDelivery(true);
    const store = app.stores.deliveries;
    expect(await store.create(delivery, new Date(), 'created')).toBe(true);
    await live(delivery, ['sending', 'sent', 'bounced']);
    expect(await store.markEscalated(delivery.deliveryId, new Date(), 'test')).toBe(false);
    expect((await store.get(delivery.deliveryId))!.escalatedAt).toBeNull();
  });
});
