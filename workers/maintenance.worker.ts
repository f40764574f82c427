import type { Job, Queue } from 'bullmq';
import { enqueueFanout } from '../src/intake/accept-event';
import type { EventStore } from '../src/intake/event.store';
import { moduleLogger } from '../src/platform/logger';
import type { FanoutJob, MaintenanceJob } from '../src/platform/queues';

const log = moduleLogger('maintenance');

/** How long an accepted event may wait for its fan-out before the sweeper queues it again. */
export const OUTBOX_GRACE_MS = 30_000;

export type MaintenanceDeps = {
  events: EventStore;
  fanout: Queue<FanoutJob>;
  now: () => Date;
  /** Further scheduled tasks by job name (delivery sweeper, escalation, reminders, purge). */
  tasks?: Record<string, () => Promise<void>>;
};

/** Re-queues the fan-out of events still unrouted after the grace period (a crash between record and queue). */
export async function sweepOutbox(deps: MaintenanceDeps): Promise<number> {
  const uids = await deps.events.unrouted(deps.now().getTime() - OUTBOX_GRACE_MS);
  for (const uid of uids) {
    const job = await deps.fanout.getJob(`fo-${uid}`);
    if (!job) await enqueueFanout(deps.fanout, uid);
    else if (await job.isFailed()) await job.retry('failed');
  }
  if (uids.length > 0) log.warn({ count: uids.length }, 'outbox sweep re-queued unrouted events');
  return uids.length;
}

/** One handler per scheduled job name; an unknown name fails loudly rather than silently. */
export function maintenanceProcessor(deps: MaintenanceDeps) {
  const handlers: Record<string, () => Promise<unknown>> = {
    'sweep-outbox': () => sweepOutbox(deps),
    ...deps.tasks,
  };
  return {
    names: Object.keys(handlers),
    async process(job: Job<MaintenanceJob>): Promise<void> {
      const handler = handlers[job.name];
      if (!handler) throw new Error(`no maintenance handler for job ${job.name}`);
      await handler();
    },
  };
}
