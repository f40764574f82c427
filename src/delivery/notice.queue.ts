import type { Queue } from 'bullmq';
import type { NotifyJob } from '../platform/queues';

/**
 * Queues one notice. The job id names the occasion (`nf-<delivery>-<attempts>` for a failure,
 * `ne-<delivery>` for an escalation, `na-<delivery>-<answer>` for an answer), so an occasion
 * is noticed once however often it is queued.
 */
export async function enqueueNotice(notify: Queue<NotifyJob>, job: NotifyJob, jobId: string, delayMs = 0): Promise<void> {
  await notify.add(job.notice, job, {
    jobId,
    delay: delayMs,
    priority: 1,
    attempts: 10,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
}
