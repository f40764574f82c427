import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { BANK_HOLIDAYS_ENGLAND_WALES, yearWithoutBankHolidays } from '../config/bank-holidays';
import { ConfigError, loadConfig, type Config } from '../config/env';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { createApp } from './app';
import { createStores, type Stores } from './stores';
import { developmentAdminNotice, ensureFirstAdmin } from './access/first-admin';
import { loadSampleIfEmpty, warnIfDirectoryEmpty } from './directory/directory.service';
import { RedisMissingError, ensureRedis } from './platform/dev-redis';
import { rootLogger } from './platform/logger';
import { createQueues } from './platform/queues';
import { startMailSink, type MailSink } from './platform/mail-sink';
import { createRedis, redisReady, type RedisClient } from './platform/redis';
import { resolveSecret } from './platform/secret';
import { exitOnSignal } from './platform/shutdown';
import { apiProcessId, apiProcessSignals, isApiProcess, runApiCluster } from './platform/api-cluster';

/*
 * `npm start` (API + workers in one process) and `npm run start:api` (--api): the API in
 * API_PROCESSES processes (node:cluster, src/platform/api-cluster.ts), or in this one when it is 1.
 * This is the composition root, so it alone in src/ may import workers/.
 */
async function main(): Promise<void> {
  const mode = process.argv.includes('--api') ? 'api' : 'all';
  const config = loadConfig();
  // An API process of the cluster: the primary has already done the one-time start-up below.
  if (isApiProcess()) return serve(config, mode, { signals: apiProcessSignals() });
  const noHolidaysIn = yearWithoutBankHolidays(BANK_HOLIDAYS_ENGLAND_WALES, new Date());
  if (noHolidaysIn) rootLogger.warn({ year: noHolidaysIn }, 'no bank holidays for this year in config/bank-holidays.json: school time counts them as school days');

  // A development Redis is started only for a single server; a Cluster or Sentinel is never ours.
  const devRedis = config.redis.mode === 'single' ? await ensureRedis(config.redisUrl, config.production) : undefined;
  const requestRedis = createRedis(config.redis, 'request');
  await redisReady(requestRedis);
  await prepare(config, createStores(requestRedis, config.queuePrefix), mode);

  if (mode === 'api' && config.apiProcesses > 1) {
    requestRedis.disconnect();
    runApiCluster({
      processes: config.apiProcesses,
      timeoutMs: config.shutdownTimeoutMs,
      log: rootLogger,
      afterStop: async () => {
        devRedis?.kill('SIGTERM');
      },
    });
    return;
  }
  await serve(config, mode, { requestRedis, devRedis });
}

/** SPEC §9 and §2, once per start whatever the number of processes: a fictional directory when empty (development only), and a first admin. */
async function prepare(config: Config, stores: Stores, mode: 'api' | 'all'): Promise<void> {
  await loadSampleIfEmpty(stores.directory, new Date(), { production: config.production });
  if (config.production) await warnIfDirectoryEmpty(stores.directory);
  // A password is printed only by `npm start` in development, to a developer's terminal: never in
  // strict mode, and never by `--api` (the image, compose), whose stdout goes to a log store.
  const developmentAdmin = !config.production && mode === 'all';
  const firstAdmin = await ensureFirstAdmin(stores, { admin: config.admin, developmentAdmin }, new Date());
  if (firstAdmin.kind === 'development' && developmentAdmin) process.stdout.write(developmentAdminNotice(firstAdmin));
}

type ServeOptions = {
  /** The connection prepare() used, when this process did it. */
  requestRedis?: RedisClient;
  devRedis?: ChildProcess | undefined;
  /** The process's signals by default; an API process of the cluster answers SIGTERM only. */
  signals?: EventEmitter;
};

/** The API (and, for `npm start`, the workers) in this process, until a signal drains it. */
async function serve(config: Config, mode: 'api' | 'all', options: ServeOptions): Promise<void> {
  const requestRedis = options.requestRedis ?? createRedis(config.redis, 'request');
  // BullMQ defines its ~60 scripts on the connection it is given, and every ioredis pipeline
  // copies the commands of its connection: the stores' pipelines stay cheap on one of their own.
  const queueRedis = createRedis(config.redis, 'request');
  const workerRedis = createRedis(config.redis, 'worker');
  await Promise.all([redisReady(requestRedis), redisReady(queueRedis)]);
  const queues = createQueues(queueRedis, config.queuePrefix);
  const stores = createStores(requestRedis, config.queuePrefix);

  const secret = await resolveSecret(requestRedis, config.queuePrefix, config.secretKey);
  // SPEC §9: no SMTP_URL in development means an embedded sink, shown in the dashboard.
  // Strict mode requires SMTP_URL, so the sink never catches (and marks sent) a real alert.
  const sink: MailSink | undefined = config.production || config.smtpUrl || mode === 'api' ? undefined : await startMailSink();
  if (sink) rootLogger.info({ port: sink.port }, 'no SMTP_URL: mail goes to the embedded development sink');

  const workers: RunningWorkers | undefined =
    mode === 'all'
      ? await startWorkers({
          config,
          redis: workerRedis,
          queues: createQueues(workerRedis, config.queuePrefix),
          smtpUrl: config.smtpUrl ?? sink!.url,
          secret,
        })
      : undefined;

  const app = createApp({ config, redis: requestRedis, queues, stores, secret, ...(sink ? { mailSink: sink } : {}) });
  const server: Server = app.listen(config.port, config.host, () => {
    rootLogger.info({ host: config.host, port: config.port, mode, apiProcess: apiProcessId() }, 'listening');
  });

  // Stop accepting, let in-flight requests and sends finish (or return to their queues), then
  // close the connections; SHUTDOWN_TIMEOUT_MS bounds it all.
  exitOnSignal({
    timeoutMs: config.shutdownTimeoutMs,
    log: rootLogger,
    ...(options.signals ? { signals: options.signals } : {}),
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers?.close();
      await sink?.close();
      await queues.close();
      requestRedis.disconnect();
      queueRedis.disconnect();
      workerRedis.disconnect();
      options.devRedis?.kill('SIGTERM');
    },
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RedisMissingError) {
    process.stderr.write(err.message.split('\n').map((line) => `endeavor-dispatch: ${line}\n`).join(''));
  } else {
    rootLogger.fatal({ err: { name: (err as Error).name, stack: (err as Error).stack } }, 'start-up failed');
  }
  process.exit(1);
});
