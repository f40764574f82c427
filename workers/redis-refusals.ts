import type { Worker } from 'bullmq';
import { moduleLogger } from '../src/platform/logger';
import type { deferredCounter } from '../src/platform/metrics';
import { isOutOfMemory, isUnavailable } from '../src/platform/redis';

const log = moduleLogger('workers');

/** How long a worker stops taking jobs after Redis refused one for want of memory. */
export const REDIS_FULL_PAUSE_MS = 1000;

/**
 * Watches the workers for Redis refusals (SPEC §3, §12): each is counted (in memory until Redis
 * takes writes again) and logged by queue and reason. Redis being away is waited out by BullMQ
 * itself; Redis being full is not (BullMQ retries a refused fetch at once, thousands of times a
 * second), so a worker refused for memory stops taking jobs for REDIS_FULL_PAUSE_MS and tries
 * again. Jobs wait in Redis meanwhile: nothing is lost, and a job refused mid-way is retried.
 */
export function watchRedisRefusals(workers: Worker[], refusals: ReturnType<typeof deferredCounter>) {
  const pausing = new Map<Worker, NodeJS.Timeout>();
  let closing = false;
  const reasonOf = (err: Error) => (isUnavailable(err) ? (isOutOfMemory(err) ? 'oom' : 'down') : undefined);

  const pauseWhileFull = (worker: Worker) => {
    if (closing || pausing.has(worker)) return;
    log.warn({ queue: worker.name, reason: 'oom', pauseMs: REDIS_FULL_PAUSE_MS }, 'worker paused: redis full');
    pausing.set(
      worker,
      setTimeout(() => {
        pausing.delete(worker);
        if (!closing) void worker.resume();
      }, REDIS_FULL_PAUSE_MS),
    );
    void worker.pause(true);
  };

  for (const worker of workers) {
    worker.on('error', (err: NodeJS.ErrnoException) => {
      const reason = reasonOf(err);
      if (!reason) {
        log.warn({ queue: worker.name, code: err.code, error: err.message }, 'worker error');
        return;
      }
      refusals.add({ reason, queue: worker.name });
      if (reason === 'oom') pauseWhileFull(worker);
      else log.warn({ queue: worker.name, code: err.code, reason }, 'worker error: redis unavailable');
    });
    worker.on('failed', (job, err) => {
      // A job refused mid-way by a Redis that is away or full fails like any temporary error: BullMQ retries it.
      const reason = reasonOf(err);
      if (!reason) {
        log.warn({ queue: worker.name, jobId: job?.id, error: err.name }, 'job failed');
        return;
      }
      refusals.add({ reason, queue: worker.name });
      log.warn({ queue: worker.name, jobId: job?.id, reason }, 'job failed: redis unavailable');
    });
  }

  return {
    /** Before closing the workers: no resume after this. */
    stop(): void {
      closing = true;
      for (const timer of pausing.values()) clearTimeout(timer);
      pausing.clear();
    },
  };
}
