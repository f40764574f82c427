/** SPEC §6: a delivery's status machine, as pure data and decisions. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'retrying', 'failed', 'superseded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Nothing moves a delivery out of these, except an explicit retry of a failed one. */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['sent', 'failed', 'superseded'];
export const isFinal = (status: DeliveryStatus) => FINAL_STATUSES.includes(status);

/** Which statuses may move to which. `sending` may be re-entered: a crashed attempt is tried again. */
export const ALLOWED_FROM: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  pending: ['failed'], // only by an explicit retry
  sending: ['pending', 'retrying', 'sending'],
  sent: ['sending'],
  retrying: ['sending'],
  failed: ['sending', 'pending', 'retrying'],
  superseded: ['pending', 'retrying'],
};

export const canMove = (from: DeliveryStatus, to: DeliveryStatus) => ALLOWED_FROM[to].includes(from);

/** Kinds that say "the child is missing": never sent once the episode has closed. */
export const MISSING_KINDS: ReadonlySet<string> = new Set(['alert', 'update', 'reminder']);
