import type { Redis } from 'ioredis';
import { workersAlive } from './heartbeat';
import type { GaugeSample } from './metrics';
import { QUEUE_NAMES, type Queues } from './queues';

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'] as const;

/** Scrape-time gauges of the queues (jobs by queue and state) and of live worker processes. */
export async function queueGauges(queues: Queues, redis: Redis, prefix: string, nowMs: number): Promise<GaugeSample[]> {
  const samples: GaugeSample[] = [];
  for (const name of Object.values(QUEUE_NAMES)) {
    const counts = await queues[name].getJobCounts(...STATES);
    for (const state of STATES) {
      samples.push({ name: 'endeavor_queue_jobs', help: 'Jobs in each queue by state.', labels: { queue: name, state }, value: counts[state] ?? 0 });
    }
  }
  samples.push({
    name: 'endeavor_workers_alive',
    help: 'Worker processes whose heartbeat is less than 15 s old.',
    labels: {},
    value: await workersAlive(redis, prefix, nowMs),
  });
  return samples;
}
