import type { Position } from '../platform/pagination';
import type { DeliveryStatus } from './delivery-status';
import type { Delivery, DeliveryIndex, DeliveryStore, DeliveryWithHistory } from './delivery.store';

/*
 * The read side of the delivery stage: each list a screen or the API shows, one page at a
 * time from its index (SPEC §6: fast at 100,000 records). Reads only; the store owns the keys.
 */

export type DeliveryFilter = { status?: DeliveryStatus; unacknowledged?: boolean };

export type DeliveryPage<T = DeliveryWithHistory> = { deliveries: T[]; next: Position | undefined };

/** The name a cursor carries, so that one list's cursor is not taken for another's. */
export const deliveryListName = (filter: DeliveryFilter) => (filter.unacknowledged ? 'd-unack' : filter.status ? `d-${filter.status}` : 'd-all');

const indexOf = (filter: DeliveryFilter): DeliveryIndex =>
  filter.unacknowledged ? { by: 'unacknowledged' } : filter.status ? { by: 'status', statuses: [filter.status] } : { by: 'created' };

/**
 * `GET /api/v1/deliveries`: newest first, with their histories. Unacknowledged ones by time
 * sent, one status by when they entered it, all by creation. A record that changed status
 * since the index was read is left out rather than shown under the wrong status.
 */
export async function listDeliveries(store: DeliveryStore, filter: DeliveryFilter, page: { limit: number; after?: Position }): Promise<DeliveryPage> {
  // The unacknowledged index holds sent deliveries only: under any other status it has none to page through.
  if (filter.unacknowledged && filter.status && filter.status !== 'sent') return { deliveries: [], next: undefined };
  const { ids, next } = await store.page(indexOf(filter), { order: 'newest', ...page });
  const deliveries = (await store.load(ids, true)).filter((d) => !filter.status || d.status === filter.status);
  return { deliveries, next };
}

/** The failed work list (SPEC §8): failed and bounced deliveries, the latest failure first. */
export async function failedDeliveries(store: DeliveryStore, page: { limit: number; after?: Position }): Promise<DeliveryPage> {
  const { ids, next } = await store.page({ by: 'status', statuses: ['failed', 'bounced'] }, { order: 'newest', ...page });
  const deliveries = (await store.load(ids)).filter((d) => d.status === 'failed' || d.status === 'bounced');
  return { deliveries, next };
}

/**
 * The overdue work list (SPEC §8): direct alerts sent and not acknowledged, the longest waiting
 * first, since those are the ones to chase.
 */
export async function unacknowledgedDeliveries(store: DeliveryStore, page: { limit: number; after?: Position }): Promise<DeliveryPage> {
  const { ids, next } = await store.page({ by: 'unacknowledged' }, { order: 'oldest', ...page });
  const deliveries = (await store.load(ids)).filter((d) => d.sentAt && !d.acknowledgedAt);
  return { deliveries, next };
}

/**
 * The audit export's deliveries, created in [fromMs, toMs], oldest first, a page at a time:
 * the export streams, so memory holds one page however long the period.
 */
export async function* deliveriesCreatedBetween(store: DeliveryStore, fromMs: number, toMs: number, pageSize = 500): AsyncGenerator<Delivery[]> {
  let after: Position | undefined;
  do {
    const page = await store.page({ by: 'created' }, { order: 'oldest', limit: pageSize, min: fromMs, max: toMs, ...(after ? { after } : {}) });
    if (page.ids.length > 0) yield await store.load(page.ids);
    after = page.next;
  } while (after);
}
