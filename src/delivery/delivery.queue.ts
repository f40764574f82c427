import type { Queue } from 'bullmq';
import { jobOptions } from '../platform/job-options';
import type { DeliverJob } from '../platform/queues';

/** Queues the send of a delivery; its job id is the delivery id, so queuing twice sends once. */
export async function enqueueDelivery(deliver: Queue<DeliverJob>, delivery: { deliveryId: string; priority: number }, attempts: number): Promise<void> {
  await deliver.add('deliver', { deliveryId: delivery.deliveryId }, jobOptions.deliver(delivery.deliveryId, delivery.priority, attempts));
}
