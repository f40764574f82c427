import type { DeliveryStatus } from './delivery-status';

/** What decides whether escalation waits on a delivery. */
export type EscalationFacts = { status: DeliveryStatus; ackable: boolean; acknowledgedAt: string | null; escalatedAt: string | null };

/**
 * SPEC §7: escalation waits on a delivery while it is sent, asks to be acknowledged (the first
 * direct message to a contact), and is neither acknowledged nor escalated yet.
 *
 * The delivery store keeps its escalation watch by the same rule in Lua: TRANSITION adds a
 * delivery on `sent` when ackable and neither acknowledged nor escalated, and removes it on a
 * bounce; ACKNOWLEDGE and ESCALATE remove it. One table of cases
 * (test/helpers/escalation-cases.ts) runs against this function and against the scripts.
 */
export function awaitsEscalation(delivery: EscalationFacts): boolean {
  return delivery.status === 'sent' && delivery.ackable && !delivery.acknowledgedAt && !delivery.escalatedAt;
}
