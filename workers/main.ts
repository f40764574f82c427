import { BANK_HOLIDAYS_ENGLAND_WALES, yearWithoutBankHolidays } from '../config/bank-holidays';
import { ConfigError, loadConfig } from '../config/env';
import { rootLogger } from '../src/platform/logger';
import { createQueues } from '../src/platform/queues';
import { startMailSink } from '../src/platform/mail-sink';
import { createRedis, redisReady } from '../src/platform/redis';
import { resolveSecret } from '../src/platform/secret';
import { touchWhileHealthy } from '../src/platform/health-file';
import { exitOnSignal } from '../src/platform/shutdown';
import { startWorkers } from './start-workers';

/**
 * `npm run start:workers`: the workers alone, to scale them out apart from the API.
 * `--health-file PATH` keeps PATH fresh while the process works, for a container health check.
 */
async function main(): Promise<void> {
  const healthFileAt = process.argv.indexOf('--health-file');
  const healthFile = healthFileAt > 0 ? process.argv[healthFileAt + 1] : undefined;
  const config = loadConfig();
  const noHolidaysIn = yearWithoutBankHolidays(BANK_HOLIDAYS_ENGLAND_WALES, new Date());
  if (noHolidaysIn) rootLogger.warn({ year: noHolidaysIn }, 'no bank holidays for this year in config/bank-holidays.json: school time counts them as school days');
  const redis = createRedis(config.redis, 'worker');
  const queues = createQueues(redis, config.queuePrefix);
  await redisReady(redis);
  const secret = await resolveSecret(redis, config.queuePrefix, config.secretKey);
  // In development with no SMTP_URL this process keeps its own sink; strict mode requires SMTP_URL.
  const sink = config.smtpUrl || config.production ? undefined : await startMailSink();
  const workers = await startWorkers({ config, redis, queues, smtpUrl: config.smtpUrl ?? sink!.url, secret });
  const stopHealthFile = healthFile ? touchWhileHealthy(healthFile, redis) : undefined;
  // In-flight sends finish or return to the queue (worker.close()); SHUTDOWN_TIMEOUT_MS bounds it.
  exitOnSignal({
    timeoutMs: config.shutdownTimeoutMs,
    log: rootLogger,
    stop: async () => {
      stopHealthFile?.();
      await workers.close();
      await sink?.close();
      await queues.close();
      redis.disconnect();
    },
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(err.message.split('\n').map((line) => `endeavor-dispatch: ${line}\n`).join(''));
  else rootLogger.fatal({ err: { name: (err as Error).name, stack: (err as Error).stack } }, 'start-up failed');
  process.exit(1);
});
