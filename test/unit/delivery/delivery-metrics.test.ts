import { describe, expect, it } from 'vitest';
import { countBounce } from '../../../src/delivery/delivery-metrics';
import type { PipelineMetrics } from '../../../src/platform/metrics';

describe('countBounce', () => {
  it('counts the bounce by audience and the delivery as bounced by kind and audience', async () => {
    const counted: [string, Record<string, string> | undefined][] = [];
    const metrics: PipelineMetrics = {
      count: async (name, labels) => void counted.push([name, labels]),
      observe: async () => undefined,
    };
    await countBounce(metrics, { kind: 'alert', audience: 'direct' });
    expect(counted).toEqual([
      ['endeavor_bounces_total', { audience: 'direct' }],
      ['endeavor_deliveries_total', { status: 'bounced', kind: 'alert', audience: 'direct' }],
    ]);
  });
});
