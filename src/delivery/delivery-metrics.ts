import type { PipelineMetrics } from '../platform/metrics';
import type { DeliveryWithHistory } from './delivery.store';

/**
 * SPEC §12 bounces: a sent delivery reported bounced by a DSN. Counts the bounce and the
 * delivery's move to `bounced`, so that failed-and-bounced alerts can be watched together.
 * The bounce handler calls this once the delivery's record says bounced.
 */
export async function countBounce(metrics: PipelineMetrics, delivery: Pick<DeliveryWithHistory, 'kind' | 'audience'>): Promise<void> {
  await metrics.count('endeavor_bounces_total', { audience: delivery.audience });
  await metrics.count('endeavor_deliveries_total', { status: 'bounced', kind: delivery.kind, audience: delivery.audience });
}
