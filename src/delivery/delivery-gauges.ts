import type { GaugeSample } from '../platform/metrics';
import type { DeliveryStore } from './delivery.store';

const WAITING = ['pending', 'sending', 'retrying'] as const;

/**
 * SPEC §12 backlog: how long the oldest delivery has waited in each unsent status. A queue
 * can be short and still hold one alert stuck for an hour; this is the figure to alert on.
 */
export async function deliveryBacklogGauges(deliveries: DeliveryStore, nowMs: number): Promise<GaugeSample[]> {
  const samples: GaugeSample[] = [];
  for (const status of WAITING) {
    const since = await deliveries.oldestSince(status);
    samples.push({
      name: 'endeavor_delivery_backlog_oldest_seconds',
      help: 'Age of the oldest delivery in each unsent status (0 when none).',
      labels: { status },
      value: since === undefined ? 0 : Math.max(0, (nowMs - since) / 1000),
    });
  }
  return samples;
}
