import type { DeliveryStore } from '../../src/delivery/delivery.store';
import { DELIVERY_STATUSES, isFinal } from '../../src/delivery/delivery-status';
import type { Queues } from '../../src/platform/queues';

const BUSY = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
const UNFINISHED = DELIVERY_STATUSES.filter((s) => !isFinal(s));

export type DrainOptions = {
  timeoutMs?: number;
  /** Also wait until no delivery in this store is pending, sending or retrying. */
  deliveries?: Pick<DeliveryStore, 'withStatus'>;
};

/**
 * Waits until the pipeline's queues (fan-out, delivery, notices) hold no job that is waiting,
 * running or delayed and, when given a delivery store, every delivery record is final, seen twice
 * in a row, so that "nothing else was sent" can be asserted after the work is done rather than
 * after a guess at how long it takes. The maintenance queue is left out: its schedulers always
 * hold a delayed job.
 */
export async function drained(queues: Pick<Queues, 'fanout' | 'deliver' | 'notify'>, { timeoutMs = 20_000, deliveries }: DrainOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (quietChecks < 2) {
    const counts = await Promise.all([queues.fanout, queues.deliver, queues.notify].map((q) => q.getJobCounts(...BUSY)));
    const busy = counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
    const unfinished = deliveries ? (await Promise.all(UNFINISHED.map((s) => deliveries.withStatus(s)))).flat() : [];
    quietChecks = busy === 0 && unfinished.length === 0 ? quietChecks + 1 : 0;
    if (Date.now() > deadline) throw new Error(`queues not drained: ${JSON.stringify(counts)}; unfinished deliveries: ${unfinished.slice(0, 10).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50)); // polling interval, not a wait for state
  }
}
