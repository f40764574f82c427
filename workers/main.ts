import { ConfigError, loadConfig } from '../config/env';
import { rootLogger } from '../src/platform/logger';
import { createQueues } from '../src/platform/queues';
import { startMailSink } from '../src/platform/mail-sink';
import { createRedis, redisReady } from '../src/platform/redis';
import { resolveSecret } from '../src/platform/secret';
import { startWorkers } from './start-workers';

/** `npm run start:workers`: the workers alone, to scale them out apart from the API. */
async function main(): Promise<void> {
  const config = loadConfig();
  const redis = createRedis(config.redis, 'worker');
  const queues = createQueues(redis, config.queuePrefix);
  await redisReady(redis);
  const secret = await resolveSecret(redis, config.queuePrefix, config.secretKey);
  // Outside production with no SMTP_URL this process keeps its own development sink.
  const sink = config.smtpUrl ? undefined : await startMailSink();
  const workers = await startWorkers({ config, redis, queues, smtpUrl: config.smtpUrl ?? sink!.url, secret });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rootLogger.info({ signal }, 'shutting down');
    await workers.close();
    await sink?.close();
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
