import { describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import type { Audience } from '../../../src/domain/audience';
import { fanoutSteps } from '../../../src/episodes/fanout-steps';
import { newDelivery } from '../../../src/episodes/new-delivery';

/* Fictional data only: .test emails, 99xxxx URNs. */

const delivery = (n: number, audience: Audience, status: 'pending' | 'superseded' = 'pending'): NewDelivery =>
  newDelivery({
    event: { uid: 'uid-rep', eventId: 'rep', episodeId: 'ep_fictional_0003', feedId: 'feed-fictional' },
    kind: 'alert',
    audience,
    organisation: { type: 'school', id: `99${String(n).padStart(4, '0')}`, name: `Fictional school ${n}` },
    contact: { contactId: `c-${n}`, name: `Fictional Person ${n}`, email: `person-${n}@example.endeavor.test`, role: 'dsl' },
    status,
    threadOf: null,
    asOf: null,
    ackable: audience === 'direct',
    risk: 'high',
  });

const ids = (list: readonly { deliveryId: string }[]) => list.map((d) => d.deliveryId);
const AREA = Array.from({ length: 7 }, (_, i) => delivery(10 + i, 'area'));
const DIRECT = [delivery(1, 'direct'), delivery(2, 'direct')];

describe('the order a fan-out writes and queues its deliveries in', () => {
  it('writes and queues every direct delivery in one step before any area one, whatever the plan’s order', () => {
    const steps = fanoutSteps([...AREA.slice(0, 3), DIRECT[0]!, ...AREA.slice(3), DIRECT[1]!], [], 3);
    expect(steps.map((s) => s.audience)).toEqual(['direct', 'area', 'area', 'area']);
    expect(ids(steps[0]!.create)).toEqual(ids(DIRECT));
    expect(ids(steps[0]!.queue)).toEqual(ids(DIRECT));
  });

  it('writes area deliveries a batch at a time, each batch queued in its own step, every one exactly once', () => {
    const steps = fanoutSteps([...DIRECT, ...AREA], [], 3).filter((s) => s.audience === 'area');
    expect(steps.map((s) => s.create.length)).toEqual([3, 3, 1]);
    for (const step of steps) expect(ids(step.queue)).toEqual(ids(step.create));
    expect(steps.flatMap((s) => ids(s.create))).toEqual(ids(AREA));
  });

  it('records a superseded delivery without queuing it', () => {
    const [step] = fanoutSteps([delivery(1, 'direct', 'superseded')], []);
    expect(step!.create).toHaveLength(1);
    expect(step!.queue).toEqual([]);
  });

  it('queues again, in the first step of their audience, the pending deliveries a dead run left, once even if planned again', () => {
    const leftDirect = { deliveryId: 'dl-left-direct', priority: 1, audience: 'direct' as const };
    const leftArea = { deliveryId: 'dl-left-area', priority: 5, audience: 'area' as const };
    const plannedAgain = { deliveryId: AREA[0]!.deliveryId, priority: AREA[0]!.priority, audience: 'area' as const };
    const steps = fanoutSteps([...DIRECT, ...AREA], [leftDirect, leftArea, plannedAgain], 3);
    expect(ids(steps[0]!.queue)).toEqual(['dl-left-direct', ...ids(DIRECT)]);
    expect(ids(steps[1]!.queue)).toEqual(['dl-left-area', ...ids(AREA.slice(0, 3))]);
    expect(steps.flatMap((s) => ids(s.queue)).filter((id) => id === AREA[0]!.deliveryId)).toHaveLength(1);
    expect(steps[1]!.queue.find((q) => q.deliveryId === 'dl-left-area')).toEqual({ deliveryId: 'dl-left-area', priority: 5 });
  });

  it('has a queue-only step when nothing is planned but a dead run left deliveries pending, and no step when there is nothing', () => {
    const left = { deliveryId: 'dl-left-area', priority: 5, audience: 'area' as const };
    expect(fanoutSteps([], [left])).toEqual([{ audience: 'area', create: [], queue: [{ deliveryId: 'dl-left-area', priority: 5 }] }]);
    expect(fanoutSteps([], [])).toEqual([]);
  });
});
