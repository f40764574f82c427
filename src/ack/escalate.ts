import type { Queue } from 'bullmq';
import type { SchoolHours } from '../../config/school-hours';
import type { DeliveryStore } from '../delivery/delivery.store';
import type { EpisodeStore } from '../episodes/episode.store';
import { awaitsEscalation } from '../delivery/escalation-watch';
import { enqueueNotice } from '../delivery/notice.queue';
import { moduleLogger } from '../platform/logger';
import { noMetrics, type PipelineMetrics } from '../platform/metrics';
import type { NotifyJob } from '../platform/queues';
import { ackDeadline } from '../domain/school-time';

const log = moduleLogger('escalate');

export type EscalateDeps = {
  deliveries: DeliveryStore;
  episodes: EpisodeStore;
  notify: Queue<NotifyJob>;
  deadlineSeconds: number;
  schoolHours: SchoolHours;
  holidays: readonly string[];
  now: () => Date;
  metrics?: PipelineMetrics;
};

/**
 * SPEC §7: escalates direct deliveries sent and not acknowledged by their deadline (school
 * hours; half for high risk). escalatedAt is set once, by a script, so two workers running
 * this at once still send one notice.
 */
export async function escalateOverdue(deps: EscalateDeps): Promise<number> {
  const now = deps.now();
  // No deadline comes sooner than half the deadline in wall-clock time.
  const ids = await deps.deliveries.awaitingEscalation(now.getTime() - (deps.deadlineSeconds * 1000) / 2);
  let escalated = 0;
  for (const delivery of await deps.deliveries.load(ids)) {
    // The watch said so when it was read; the record says whether it still holds.
    if (!delivery.sentAt || !awaitsEscalation(delivery)) continue;
    const deadline = ackDeadline(new Date(delivery.sentAt), deps.deadlineSeconds, delivery.risk, deps.schoolHours, deps.holidays);
    if (now < deadline) continue;
    const episode = await deps.episodes.get(delivery.episodeId);
    if (episode && episode.state !== 'open') {
      await deps.deliveries.stopWatching(delivery.deliveryId);
      continue;
    }
    // Queued before the mark, so a crash between them cannot lose the notice; the job id keeps it to one.
    await enqueueNotice(deps.notify, { notice: 'escalation', deliveryId: delivery.deliveryId }, `ne-${delivery.deliveryId}`);
    if (!(await deps.deliveries.markEscalated(delivery.deliveryId, now, `not acknowledged by ${deadline.toISOString()}`))) continue;
    escalated++;
    await (deps.metrics ?? noMetrics).count('endeavor_escalations_total');
    log.warn({ deliveryId: delivery.deliveryId, episodeId: delivery.episodeId }, 'delivery escalated');
  }
  return escalated;
}
