import type { Queue } from 'bullmq';
import { jobOptions } from '../platform/job-options';
import type { DeliverJob } from '../platform/queues';

type Queued = { deliveryId: string; priority: number };

const deliverJob = (delivery: Queued, attempts: number) => ({
  name: 'deliver' as const,
  data: { deliveryId: delivery.deliveryId },
  opts: jobOptions.deliver(delivery.deliveryId, delivery.priority, attempts),
});

/** Queues the send of a delivery; its job id is the delivery id, so queuing twice sends once. */
export async function enqueueDelivery(deliver: Queue<DeliverJob>, delivery: Queued, attempts: number): Promise<void> {
  const job = deliverJob(delivery, attempts);
  await deliver.add(job.name, job.data, job.opts);
}

/**
 * Queues the sends of many deliveries in one round trip, each job as enqueueDelivery makes it.
 * addBulk is not atomic: a crash part way leaves some jobs added and others not. That is safe
 * because job ids are delivery ids (adding again adds nothing twice) and a delivery left
 * pending without a job is queued again by whoever repairs it: the fan-out running again, or
 * the delivery sweeper.
 */
export async function enqueueDeliveries(deliver: Queue<DeliverJob>, deliveries: readonly Queued[], attempts: number): Promise<void> {
  if (deliveries.length === 0) return;
  await deliver.addBulk(deliveries.map((d) => deliverJob(d, attempts)));
}
