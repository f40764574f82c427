import type { Queue } from 'bullmq';
import { enqueueDelivery } from './delivery.queue';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob } from '../platform/queues';
import type { DeliveryStore } from './delivery.store';
import type { DeliveryStatus } from './delivery-status';

const log = moduleLogger('delivery-sweep');

export type SweepDeps = {
  deliveries: DeliveryStore;
  deliver: Queue<DeliverJob>;
  attempts: number;
  /** How long a delivery may sit in each status before the sweeper looks at its job. */
  staleAfterMs: Partial<Record<DeliveryStatus, number>>;
  now: () => Date;
};

/**
 * Re-queues deliveries stranded by a crash (SPEC §6): a record left `pending`, `sending` or
 * `retrying` whose job is gone or finished. A job still waiting, delayed or running is left
 * alone; the job id is the delivery id, so a re-queue can never make two.
 */
export async function sweepDeliveries(deps: SweepDeps): Promise<number> {
  let requeued = 0;
  for (const [status, staleMs] of Object.entries(deps.staleAfterMs) as [DeliveryStatus, number][]) {
    const ids = await deps.deliveries.withStatus(status, { beforeMs: deps.now().getTime() - staleMs, limit: 500 });
    for (const delivery of await deps.deliveries.load(ids)) {
      const job = await deps.deliver.getJob(delivery.deliveryId);
      const state = job ? await job.getState() : 'missing';
      if (['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'].includes(state)) continue;
      if (job) await job.remove().catch(() => undefined);
      await enqueueDelivery(deps.deliver, delivery, deps.attempts);
      requeued++;
      log.warn({ deliveryId: delivery.deliveryId, status, jobState: state }, 'stranded delivery re-queued');
    }
  }
  return requeued;
}
