import { ConfigError, loadConfig } from '../config/env';
import { rootLogger } from '../src/platform/logger';
import { createQueues } from '../src/platform/queues';
import { createRedis } from '../src/platform/redis';
import { startWorkers } from './start-workers';

/** `npm run start:workers`: the workers alone, to scale them out apart from the API. */
async function main(): Promise<void> {
  const config = loadConfig();
  const redis = createRedis(config.redisUrl, 'worker');
  const queues = createQueues(redis, config.queuePrefix);
  const workers = await startWorkers({ config, redis, queues });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rootLogger.info({ signal }, 'shutting down');
    await workers.close();
    await queues.close();
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`endeavor-dispatch: ${err.message}\n`);
  else rootLogger.fatal({ err: { name: (err as Error).name, stack: (err as Error).stack } }, 'start-up failed');
  process.exit(1);
});
