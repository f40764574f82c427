/** SPEC §6: a delivery's status machine, as pure data and decisions. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'retrying', 'failed', 'superseded', 'bounced'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Nothing moves a delivery out of these, except an explicit retry of a failed or bounced one
 * and a bounce report for a sent one (SPEC §6).
 */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['sent', 'failed', 'superseded', 'bounced'];
export const isFinal = (status: DeliveryStatus) => FINAL_STATUSES.includes(status);

/** What an explicit retry takes back to pending: the deliveries that did not reach their recipient. */
export const RETRYABLE_STATUSES: readonly DeliveryStatus[] = ['failed', 'bounced'];

/** Which statuses may move to which. `sending` may be re-entered: a crashed attempt is tried again. */
export const ALLOWED_FROM: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  pending: RETRYABLE_STATUSES, // only by an explicit retry
  sending: ['pending', 'retrying', 'sending'],
  sent: ['sending'],
  retrying: ['sending'],
  failed: ['sending', 'pending', 'retrying'],
  superseded: ['pending', 'retrying'],
  // The relay accepted it, and the recipient's server refused it later (a delivery status notification).
  bounced: ['sent'],
};

export const canMove = (from: DeliveryStatus, to: DeliveryStatus) => ALLOWED_FROM[to].includes(from);

/** Kinds that say "the child is missing": never sent once the episode has closed. */
export const MISSING_KINDS: ReadonlySet<string> = new Set(['alert', 'update', 'reminder']);
