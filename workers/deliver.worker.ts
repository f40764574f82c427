import type { Job } from 'bullmq';
import { deliverOne, type DeliverDeps } from '../src/delivery/deliver';
import type { DeliverJob } from '../src/platform/queues';

/** The delivery queue's processor: one delivery id in, one email out (or a recorded failure). */
export function deliverProcessor(deps: DeliverDeps) {
  return async (job: Job<DeliverJob>): Promise<string> =>
    deliverOne(deps, job.data.deliveryId, { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 });
}
