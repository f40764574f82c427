import type { JobsOptions } from 'bullmq';

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * BullMQ options of every kind of job, in one place. Job ids are not here: each is derived
 * from what the job is about (the event, the delivery, the occasion of a notice), so adding a
 * job twice queues it once. Failed jobs are kept longer than completed ones: they are what an
 * operator looks at.
 */
export const jobOptions = {
  /** Fan-out of an accepted event: retried for about an hour, failures kept 30 days. */
  fanout: (jobId: string): JobsOptions => ({
    jobId,
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: DAY, count: 10_000 },
    removeOnFail: { age: 30 * DAY },
  }),

  /** Alerting an organisation's current contacts after one left (SPEC §6), on the fan-out queue. */
  refill: (jobId: string): JobsOptions => ({
    jobId,
    attempts: 10,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: { age: DAY },
    removeOnFail: { age: 7 * DAY },
  }),

  /**
   * The send of one delivery. Attempts are RETRY_ATTEMPTS and the delay between them the
   * worker's `capped` backoff strategy (RETRY_BASE_MS, RETRY_MAX_DELAY_MS); direct before area.
   */
  deliver: (jobId: string, priority: number, attempts: number): JobsOptions => ({
    jobId,
    priority,
    attempts,
    backoff: { type: 'capped' },
    removeOnComplete: { age: DAY, count: 50_000 },
    removeOnFail: { age: 7 * DAY },
  }),

  /** A staff or police notice: before any delivery of lower priority, failures kept 30 days. */
  notice: (jobId: string, delayMs: number): JobsOptions => ({
    jobId,
    delay: delayMs,
    priority: 1,
    attempts: 10,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 7 * DAY },
    removeOnFail: { age: 30 * DAY },
  }),

  /** A scheduled maintenance run: it comes back every few seconds, so only the last hundred are kept. */
  maintenance: (): JobsOptions => ({ removeOnComplete: 100, removeOnFail: 100 }),
} as const;
