import type { Queue } from 'bullmq';
import type { DataQualityStore } from '../directory/data-quality.store';
import { moduleLogger } from '../platform/logger';
import { noMetrics, type PipelineMetrics } from '../platform/metrics';
import type { NotifyJob } from '../platform/queues';
import type { BounceTarget } from './bounce-address';
import type { DeliveryStatus } from './delivery-status';
import type { DeliveryStore, HistoryEntry } from './delivery.store';
import { countBounce } from './delivery-metrics';
import { describeBounce, type DsnAction, type RecipientReport } from './dsn';
import { enqueueNotice } from './notice.queue';

const log = moduleLogger('bounces');

export type BounceDeps = {
  deliveries: DeliveryStore;
  dataQuality: DataQualityStore;
  notify: Queue<NotifyJob>;
  now: () => Date;
  /** SPEC §12: bounces by audience. */
  metrics?: PipelineMetrics;
};

/**
 * What a delivery status notification does to a delivery (SPEC §6, Bounces), decided from its
 * status and the DSN's action alone:
 * - `bounce`: a sent delivery whose DSN says failed becomes bounced;
 * - `repeat`: the same again for one already bounced, so its notice and data-quality entry are
 *   made sure of (a crash after the status changed is mended by the relay sending the DSN again)
 *   and nothing else changes;
 * - `note`: a sent delivery that is delayed, delivered, relayed or expanded keeps its status and
 *   gets a history line;
 * - `ignore`: anything else, e.g. a DSN for a delivery that was never sent, or one about another
 *   attempt than the delivery's current one (a late report on a message since sent again).
 * `attempt` is the attempt the DSN's address names (undefined for an address sent before
 * attempts were named, read as about the current one) and the delivery's current attempt.
 */
export type ReportDecision = 'bounce' | 'repeat' | 'note' | 'ignore';

export function decideOnReport(status: DeliveryStatus | undefined, action: DsnAction, attempt?: { named: number | undefined; current: number }): ReportDecision {
  if (attempt?.named !== undefined && attempt.named !== attempt.current) return 'ignore';
  if (status === 'sent') return action === 'failed' ? 'bounce' : 'note';
  if (status === 'bounced' && action === 'failed') return 'repeat';
  return 'ignore';
}

/** Whether the history shows a bounce notice sent since the delivery last bounced. */
export function bounceNoticeSent(history: readonly HistoryEntry[]): boolean {
  const bouncedAt = history.map((h) => h.status).lastIndexOf('bounced');
  return bouncedAt >= 0 && history.slice(bouncedAt + 1).some((h) => h.status === 'notice' && h.detail.startsWith('bounce notice'));
}

export type ReportOutcome = 'bounced' | 'repeated' | 'noted' | 'unchanged';

/**
 * Applies what a DSN says to the one delivery (and attempt) its address names. A bounce moves
 * the delivery from sent to bounced (one Lua step, so two DSNs at once bounce it once), puts the
 * contact on the directory's data-quality list, and for a direct delivery queues the failure
 * notice under an id naming the occasion, so the notice goes once however often the DSN comes.
 */
export async function applyDeliveryReport(deps: BounceDeps, target: BounceTarget, report: RecipientReport): Promise<ReportOutcome> {
  const { deliveryId } = target;
  const delivery = await deps.deliveries.get(deliveryId);
  const decision = decideOnReport(delivery?.status, report.action, delivery ? { named: target.attempt, current: delivery.attempts } : undefined);
  if (!delivery || decision === 'ignore') {
    log.info(
      { deliveryId, status: delivery?.status ?? 'missing', action: report.action, attempt: target.attempt, currentAttempt: delivery?.attempts },
      'delivery report changes nothing',
    );
    return 'unchanged';
  }
  const now = deps.now();
  if (decision === 'note') {
    await deps.deliveries.note(deliveryId, {
      at: now.toISOString(),
      status: 'delivery-report',
      detail: `the recipient's mail system reports ${report.action}${report.status ? ` (${report.status})` : ''}`,
    });
    log.info({ deliveryId, action: report.action }, 'delivery report noted');
    return 'noted';
  }

  let bouncedAt = delivery.updatedAt;
  let lastError = delivery.lastError ?? describeBounce(report);
  if (decision === 'bounce') {
    lastError = describeBounce(report);
    const moved = await deps.deliveries.transition(deliveryId, 'bounced', now, {
      detail: lastError,
      fields: { lastError },
      from: ['sent'],
      eventUid: delivery.eventUid,
    });
    if (!moved.ok) {
      log.info({ deliveryId, status: moved.current ?? 'missing' }, 'delivery report changes nothing');
      return 'unchanged';
    }
    bouncedAt = now.toISOString();
    await countBounce(deps.metrics ?? noMetrics, delivery);
  }
  await deps.dataQuality.flag({
    organisation: delivery.organisation,
    contactId: delivery.contact.contactId,
    role: delivery.contact.role,
    lastError,
    at: bouncedAt,
    deliveryId,
    episodeId: delivery.episodeId,
  });
  if (delivery.audience === 'direct' && (decision === 'bounce' || !bounceNoticeSent(delivery.history))) {
    await enqueueNotice(deps.notify, { notice: 'bounce', deliveryId }, `nb-${deliveryId}-${delivery.attempts}`);
  }
  log.warn({ deliveryId, episodeId: delivery.episodeId, audience: delivery.audience }, decision === 'bounce' ? 'delivery bounced' : 'bounce repeated');
  return decision === 'bounce' ? 'bounced' : 'repeated';
}
