import type { Queue } from 'bullmq';
import type { DeliverJob } from '../platform/queues';

/** Queues the send of a delivery; its job id is the delivery id, so queuing twice sends once. */
export async function enqueueDelivery(deliver: Queue<DeliverJob>, delivery: { deliveryId: string; priority: number }, attempts: number): Promise<void> {
  await deliver.add(
    'deliver',
    { deliveryId: delivery.deliveryId },
    {
      jobId: delivery.deliveryId,
      priority: delivery.priority,
      attempts,
      backoff: { type: 'capped' },
      removeOnComplete: { age: 24 * 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
}
