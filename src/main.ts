import type { Server } from 'node:http';
import { ConfigError, loadConfig } from '../config/env';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { createApp } from './app';
import { createEventStore } from './intake/event.store';
import { RedisMissingError, ensureRedis } from './platform/dev-redis';
import { rootLogger } from './platform/logger';
import { createQueues } from './platform/queues';
import { createRedis, redisReady } from './platform/redis';

/*
 * `npm start` (API + workers in one process) and `npm run start:api` (--api).
 * This is the composition root, so it alone in src/ may import workers/.
 */
async function main(): Promise<void> {
  const mode = process.argv.includes('--api') ? 'api' : 'all';
  const config = loadConfig();
  const devRedis = await ensureRedis(config.redisUrl, config.production);

  const requestRedis = createRedis(config.redisUrl, 'request');
  const workerRedis = createRedis(config.redisUrl, 'worker');
  await redisReady(requestRedis);
  const queues = createQueues(requestRedis, config.queuePrefix);
  const events = createEventStore(requestRedis, config.queuePrefix);

  const workers: RunningWorkers | undefined =
    mode === 'all' ? await startWorkers({ config, redis: workerRedis, queues: createQueues(workerRedis, config.queuePrefix) }) : undefined;

  const app = createApp({ config, redis: requestRedis, queues, events, deliveryCounts: async () => ({}) });
  const server: Server = app.listen(config.port, config.host, () => {
    rootLogger.info({ host: config.host, port: config.port, mode }, 'listening');
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rootLogger.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight requests finish, then stop the workers and Redis.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await workers?.close();
    await queues.close();
    requestRedis.disconnect();
    workerRedis.disconnect();
    devRedis?.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RedisMissingError) {
    process.stderr.write(`endeavor-dispatch: ${err.message}\n`);
  } else {
    rootLogger.fatal({ err: { name: (err as Error).name, stack: (err as Error).stack } }, 'start-up failed');
  }
  process.exit(1);
});
