import type { Queue } from 'bullmq';
import { jobOptions } from '../platform/job-options';
import { moduleLogger } from '../platform/logger';
import type { NotifyJob } from '../platform/queues';
import type { DeliveryStore, OutboxNotice } from './delivery.store';

const log = moduleLogger('notice-outbox');

/**
 * Queues one notice. The job id names the occasion (`nf-<delivery>-<attempts>` for a failure,
 * `ne-<delivery>` for an escalation, `na-<delivery>-<answer>` for an answer), so an occasion
 * is noticed once however often it is queued.
 */
export async function enqueueNotice(notify: Queue<NotifyJob>, job: NotifyJob, jobId: string, delayMs = 0): Promise<void> {
  await notify.add(job.notice, job, jobOptions.notice(jobId, delayMs));
}

/** Queues a notice its status change put in the outbox, then takes it out (a crash between leaves it for the sweeper). */
export async function queueOutboxNotice(notify: Queue<NotifyJob>, deliveries: Pick<DeliveryStore, 'noticeQueued'>, notice: OutboxNotice): Promise<void> {
  await enqueueNotice(notify, notice.job, notice.jobId);
  await deliveries.noticeQueued(notice);
}

/** How long a notice may sit in the outbox before the sweeper queues it: its writer queues it at once. */
export const NOTICE_OUTBOX_GRACE_MS = 10_000;

/** Queues the notices a crash left in the outbox (job ids dedupe, so one queued meanwhile is not queued twice). */
export async function sweepNoticeOutbox(deps: { deliveries: Pick<DeliveryStore, 'outboxNotices' | 'noticeQueued'>; notify: Queue<NotifyJob>; now: () => Date }): Promise<number> {
  const due = await deps.deliveries.outboxNotices(deps.now().getTime() - NOTICE_OUTBOX_GRACE_MS);
  for (const notice of due) await queueOutboxNotice(deps.notify, deps.deliveries, notice);
  if (due.length > 0) log.warn({ count: due.length }, 'notice outbox sweep queued notices');
  return due.length;
}
