import type { Queue } from 'bullmq';
import { jobOptions } from '../platform/job-options';
import type { NotifyJob } from '../platform/queues';

/**
 * Queues one notice. The job id names the occasion (`nf-<delivery>-<attempts>` for a failure,
 * `ne-<delivery>` for an escalation, `na-<delivery>-<answer>` for an answer), so an occasion
 * is noticed once however often it is queued.
 */
export async function enqueueNotice(notify: Queue<NotifyJob>, job: NotifyJob, jobId: string, delayMs = 0): Promise<void> {
  await notify.add(job.notice, job, jobOptions.notice(jobId, delayMs));
}
