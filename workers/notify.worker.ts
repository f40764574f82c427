import type { Job } from 'bullmq';
import { sendNotice, type NoticeDeps } from '../src/delivery/notices';
import type { NotifyJob } from '../src/platform/queues';

/** The staff-notice queue's processor. */
export function notifyProcessor(deps: NoticeDeps) {
  return async (job: Job<NotifyJob>): Promise<number> => sendNotice(deps, job.data, String(job.id));
}
