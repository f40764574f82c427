import { randomUUID } from 'node:crypto';
import { Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env';
import { createEventStore } from '../src/intake/event.store';
import { beat, stopBeating } from '../src/platform/heartbeat';
import { moduleLogger } from '../src/platform/logger';
import { QUEUE_NAMES, type Queues } from '../src/platform/queues';
import { maintenanceProcessor } from './maintenance.worker';

const log = moduleLogger('workers');

export type WorkerDeps = {
  config: Config;
  /** A connection that waits for Redis (maxRetriesPerRequest null). */
  redis: Redis;
  queues: Queues;
  now?: () => Date;
  /** Seconds between maintenance sweeps; tests shorten it. */
  sweepEverySeconds?: number;
};

export type RunningWorkers = { workerId: string; close(): Promise<void> };

/** Starts every queue's processor, the scheduled maintenance and the liveness heartbeat. */
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const now = deps.now ?? (() => new Date());
  const prefix = deps.config.queuePrefix;
  const workerId = randomUUID();
  const connection = deps.redis as unknown as ConnectionOptions;
  const events = createEventStore(deps.redis, prefix);

  const maintenance = maintenanceProcessor({ events, fanout: deps.queues.fanout, now });
  const every = (deps.sweepEverySeconds ?? 10) * 1000;
  for (const name of maintenance.names) {
    await deps.queues.maintenance.upsertJobScheduler(name, { every }, { name, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  const workers = [new Worker(QUEUE_NAMES.maintenance, (job) => maintenance.process(job), { connection, prefix, concurrency: 1 })];
  for (const worker of workers) {
    worker.on('error', (err: NodeJS.ErrnoException) => log.warn({ queue: worker.name, code: err.code }, 'worker error'));
    worker.on('failed', (job, err) => log.warn({ queue: worker.name, jobId: job?.id, error: err.name }, 'job failed'));
  }

  const heartbeat = async () => {
    try {
      await beat(deps.redis, prefix, workerId, now().getTime());
    } catch {
      // Redis away: readiness will say so.
    }
  };
  await heartbeat();
  const timer = setInterval(heartbeat, 5000);
  timer.unref();
  log.info({ workerId, queues: workers.map((w) => w.name) }, 'workers started');

  return {
    workerId,
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await stopBeating(deps.redis, prefix, workerId).catch(() => undefined);
      log.info({ workerId }, 'workers stopped');
    },
  };
}
