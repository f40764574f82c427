import type { NewDelivery } from '../delivery/delivery.store';
import type { Audience } from '../domain/audience';

/** How many area deliveries one step writes (one round trip) and then queues (one more). */
export const AREA_BATCH = 200;

type Queued = { deliveryId: string; priority: number };

/** One step of applying a fan-out: records written in one round trip, then jobs queued in one. */
export type FanoutStep = { audience: Audience; create: NewDelivery[]; queue: Queued[] };

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * The order in which a fan-out's deliveries are written and queued: every direct delivery in
 * one step, first, so the child's own school and GP never wait behind the bookkeeping of an
 * area broadcast; then the area deliveries, `areaBatch` at a time. A step queues its own
 * pending deliveries (a superseded one is recorded, never sent) and, in the first step of its
 * audience, `requeue`: the event's deliveries a run that died left pending (job ids dedupe).
 */
export function fanoutSteps(
  deliveries: readonly NewDelivery[],
  requeue: readonly (Queued & { audience: Audience })[],
  areaBatch = AREA_BATCH,
): FanoutStep[] {
  const planned = new Set(deliveries.map((d) => d.deliveryId));
  const stepsOf = (audience: Audience, size: number): FanoutStep[] => {
    const own = deliveries.filter((d) => d.audience === audience);
    const left = requeue
      .filter((d) => d.audience === audience && !planned.has(d.deliveryId))
      .map(({ deliveryId, priority }) => ({ deliveryId, priority }));
    const groups = own.length > 0 ? chunks(own, size) : [[]];
    return groups
      .map((create, i) => ({ audience, create, queue: [...(i === 0 ? left : []), ...create.filter((d) => d.status === 'pending')] }))
      .filter((step) => step.create.length > 0 || step.queue.length > 0);
  };
  return [...stepsOf('direct', Number.POSITIVE_INFINITY), ...stepsOf('area', areaBatch)];
}
