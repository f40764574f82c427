import type { Queue } from 'bullmq';
import { actorOf } from '../access/actor';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import type { DeliverJob } from '../platform/queues';
import { RETRYABLE_STATUSES, type DeliveryStatus } from './delivery-status';
import type { DeliveryStore, DeliveryWithHistory } from './delivery.store';
import { enqueueDelivery } from './delivery.queue';

export type RetryDeps = {
  deliveries: DeliveryStore;
  deliver: Queue<DeliverJob>;
  audit: AuditLog;
  attempts: number;
  now: () => Date;
};

export type RetryOutcome =
  | { ok: true; delivery: DeliveryWithHistory }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'not-failed'; current: DeliveryStatus };

export const DELIVERY_ID = /^dl_[0-9a-f]{24}$/;

/**
 * SPEC §6: sends a failed or bounced delivery again, for the API and the dashboard alike:
 * `delivery.retry` audited first (a retry that cannot be recorded is not made: SPEC §8), then
 * failed or bounced → pending, the old job cleared, the send queued under the same job id.
 */
export async function retryDelivery(deps: RetryDeps, deliveryId: string, by: { role: string; email: string }): Promise<RetryOutcome> {
  if (!DELIVERY_ID.test(deliveryId)) return { ok: false, reason: 'not-found' };
  const [current] = await deps.deliveries.load([deliveryId]);
  if (!current) return { ok: false, reason: 'not-found' };
  if (!RETRYABLE_STATUSES.includes(current.status)) return { ok: false, reason: 'not-failed', current: current.status };
  await auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: actorOf(by), action: 'delivery.retry', subject: deliveryId, detail: `from ${current.status}` });
  // The transition checks the status again, atomically: a retry that lost a race to another changes nothing.
  const moved = await deps.deliveries.transition(deliveryId, 'pending', deps.now(), { detail: `retry requested by ${by.role}`, from: RETRYABLE_STATUSES });
  if (!moved.ok) return moved.current === undefined ? { ok: false, reason: 'not-found' } : { ok: false, reason: 'not-failed', current: moved.current };
  // The failed job still holds the delivery's job id: clear it so the retry can take it. The
  // record turns failed a moment before BullMQ files the job, so wait out that moment.
  const old = await deps.deliver.getJob(deliveryId);
  for (let waited = 0; old && (await old.isActive()) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  // Still locked after that: the delivery sweeper queues it once the old job is done.
  if (old) await old.remove().catch(() => undefined);
  const delivery = (await deps.deliveries.load([deliveryId]))[0]!;
  await enqueueDelivery(deps.deliver, delivery, deps.attempts);
  return { ok: true, delivery: (await deps.deliveries.get(deliveryId))! };
}
