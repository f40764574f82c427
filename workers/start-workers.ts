import { randomUUID } from 'node:crypto';
import { Worker, type ConnectionOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { RedisClient } from '../src/platform/redis';
import type { Config } from '../config/env';
import { BANK_HOLIDAYS_ENGLAND_WALES } from '../config/bank-holidays';
import { createAckToken } from '../src/ack/ack-token';
import { ackDeadline } from '../src/domain/school-time';
import { escalateOverdue } from '../src/ack/escalate';
import { episodeAsOf, foldEpisode } from '../src/episodes/episode';
import { purgeExpired } from '../src/episodes/purge';
import { sendDueReminders } from '../src/episodes/remind';
import { bounceAddress } from '../src/delivery/bounce-address';
import { startBounceListener, type BounceListener } from '../src/delivery/bounce.listener';
import { applyDeliveryReport } from '../src/delivery/bounces';
import { retryDelayMs } from '../src/delivery/delivery-policy';
import { createMailTransport } from '../src/delivery/mail.transport';
import { sweepNoticeOutbox } from '../src/delivery/notice.queue';
import { sweepDeliveries } from '../src/delivery/sweep';
import { beat, stopBeating } from '../src/platform/heartbeat';
import { jobOptions } from '../src/platform/job-options';
import { moduleLogger } from '../src/platform/logger';
import { deferredCounter, pipelineMetrics } from '../src/platform/metrics';
import { QUEUE_NAMES, type Queues } from '../src/platform/queues';
import { messageDomainOf } from '../src/platform/secret';
import { createStores } from '../src/stores';
import { deliverProcessor } from './deliver.worker';
import { fanoutProcessor } from './fanout.worker';
import { maintenanceProcessor } from './maintenance.worker';
import { watchRedisRefusals } from './redis-refusals';
import { notifyProcessor } from './notify.worker';
import type { Risk } from '../src/domain/risk';

const log = moduleLogger('workers');

export type WorkerTuning = {
  /** Seconds between maintenance sweeps. */
  sweepEverySeconds: number;
  /** BullMQ job lock; a crashed worker's jobs come back after it expires. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Delivery jobs run at once (DELIVER_CONCURRENCY). */
  deliverConcurrency: number;
  /** How long a delivery may sit pending / sending before the sweeper checks its job. */
  staleDeliveryMs: number;
};

const tuningFrom = (config: Config): WorkerTuning => ({
  sweepEverySeconds: config.jobs.sweepIntervalSeconds,
  lockDurationMs: config.jobs.lockMs,
  stalledIntervalMs: config.jobs.stalledCheckMs,
  deliverConcurrency: config.deliverConcurrency,
  staleDeliveryMs: 120_000,
});

export type WorkerDeps = {
  config: Config;
  /** A connection that waits for Redis (maxRetriesPerRequest null). */
  redis: RedisClient;
  queues: Queues;
  /** The SMTP server to send through: SMTP_URL, or the embedded sink's URL. */
  smtpUrl: string;
  secret: string;
  now?: () => Date;
  tuning?: Partial<WorkerTuning>;
};

export type RunningWorkers = {
  workerId: string;
  /** The port of the DSN listener, when BOUNCE_SMTP_PORT is set (the bound one, for port 0). */
  bouncePort?: number;
  close(): Promise<void>;
};

/** A DSN with the returned headers is a few kilobytes; one returning the whole message, tens. */
const BOUNCE_MAX_BYTES = 1024 * 1024;

/** Starts every queue's processor, the scheduled maintenance and the liveness heartbeat. */
// eslint-disable-next-line max-lines-per-function -- wiring, read top to bottom as the list of what is started (README, Layout: exceptions)
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const now = deps.now ?? (() => new Date());
  const tuning = { ...tuningFrom(deps.config), ...deps.tuning };
  const { config } = deps;
  const prefix = config.queuePrefix;
  const workerId = randomUUID();
  const connection = deps.redis as unknown as ConnectionOptions;
  // The stages' commands go on a connection of their own, not the one BullMQ defines its
  // scripts on: every ioredis pipeline copies the commands of its connection.
  const appRedis = deps.redis.duplicate();
  // Like every connection: an error is logged (by code), never an unhandled 'error' event.
  appRedis.on('error', (err: NodeJS.ErrnoException) => log.warn({ role: 'worker-app', code: err.code }, 'redis connection error'));

  const { events, episodes, deliveries, directory, dataQuality } = createStores(appRedis, prefix);
  // Indexes added since the records were written (the lists, the board, the purge) are filled once.
  await episodes.upgradeIndexes(tuning.lockDurationMs);

  const metrics = pipelineMetrics(appRedis, prefix);
  // Delivery reads episodes through this port: the episodes stage sits above it.
  const fold = { all: foldEpisode, asOf: episodeAsOf };

  // Bounces (SPEC §6): delivery status notifications come back to the listener, which only reads ids.
  let bounces: BounceListener | undefined;
  if (config.bounces.smtpPort !== undefined && config.bounces.domain) {
    // Started before the workers, so a port already taken stops start-up with nothing left running.
    bounces = await startBounceListener({
      port: config.bounces.smtpPort,
      host: config.bounces.smtpHost,
      domain: config.bounces.domain,
      maxBytes: BOUNCE_MAX_BYTES,
      knows: async (deliveryId) => (await deliveries.load([deliveryId])).length > 0,
      onReport: (target, report) => applyDeliveryReport({ deliveries, dataQuality, notify: deps.queues.notify, now, metrics }, target, report),
    });
  }
  const transport = createMailTransport({ url: deps.smtpUrl, from: config.mailFrom, maxConnections: config.smtpPoolSize });
  const messageDomain = messageDomainOf(config.mailFrom);

  const maintenance = maintenanceProcessor({
    events,
    fanout: deps.queues.fanout,
    now,
    tasks: {
      escalate: async () => {
        await escalateOverdue({
          deliveries,
          episodes,
          notify: deps.queues.notify,
          deadlineSeconds: config.ackDeadlineSeconds,
          schoolHours: config.schoolHours,
          holidays: BANK_HOLIDAYS_ENGLAND_WALES,
          now,
          metrics,
        });
      },
      remind: async () => {
        await sendDueReminders({
          events,
          episodes,
          deliveries,
          directory,
          deliver: deps.queues.deliver,
          intervalHours: config.reminderIntervalHours,
          schoolHours: config.schoolHours,
          holidays: BANK_HOLIDAYS_ENGLAND_WALES,
          attempts: config.retry.attempts,
          lockMs: tuning.lockDurationMs,
          now,
        });
      },
      purge: async () => {
        await purgeExpired({ events, episodes, deliveries, retentionDays: config.retentionDays, lockMs: tuning.lockDurationMs, now });
      },
      'sweep-notice-outbox': async () => {
        await sweepNoticeOutbox({ deliveries, notify: deps.queues.notify, now });
      },
      'sweep-deliveries': async () => {
        await sweepDeliveries({
          deliveries,
          deliver: deps.queues.deliver,
          attempts: config.retry.attempts,
          staleAfterMs: {
            pending: tuning.staleDeliveryMs,
            sending: tuning.staleDeliveryMs + tuning.lockDurationMs,
            retrying: config.retry.maxDelayMs + tuning.staleDeliveryMs,
          },
          now,
        });
      },
    },
  });
  for (const name of maintenance.names) {
    await deps.queues.maintenance.upsertJobScheduler(name, { every: tuning.sweepEverySeconds * 1000 }, { name, opts: jobOptions.maintenance() });
  }

  const base = { connection, prefix, lockDuration: tuning.lockDurationMs, stalledInterval: tuning.stalledIntervalMs, maxStalledCount: 10 };
  const make = <T>(name: string, processor: Processor<T>, options: Partial<WorkerOptions> = {}) => new Worker<T>(name, processor, { ...base, ...options });
  const workers: Worker[] = [
    make(QUEUE_NAMES.fanout, fanoutProcessor({ events, episodes, deliveries, directory, deliver: deps.queues.deliver, lockMs: tuning.lockDurationMs, now }, config.retry.attempts), { concurrency: 4 }),
    make(
      QUEUE_NAMES.deliver,
      deliverProcessor({
        deliveries,
        episodes,
        fold,
        events,
        directory,
        transport,
        notify: deps.queues.notify,
        fanout: deps.queues.fanout,
        messageDomain,
        ackUrlFor: (delivery) => `${config.publicBaseUrl}/ack/${createAckToken(deps.secret, delivery.deliveryId, now())}`,
        ...(config.bounces.domain ? { envelopeFromFor: (deliveryId: string, attempt: number) => bounceAddress(deliveryId, attempt, config.bounces.domain!) } : {}),
        now,
        metrics,
        waitReplicas: config.redisWaitReplicas,
      }),
      { concurrency: tuning.deliverConcurrency, settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, config.retry) } },
    ),
    make(
      QUEUE_NAMES.notify,
      notifyProcessor({
        deliveries,
        episodes,
        fold,
        directory,
        events,
        transport,
        messageDomain,
        publicBaseUrl: config.publicBaseUrl,
        mashEmail: config.mashEmail,
        policeContactDomains: config.policeContactDomains,
        deadlineFor: (sentAt, risk) =>
          ackDeadline(new Date(sentAt), config.ackDeadlineSeconds, risk as Risk, config.schoolHours, BANK_HOLIDAYS_ENGLAND_WALES).toISOString(),
        now,
      }),
      { concurrency: 2 },
    ),
    make(QUEUE_NAMES.maintenance, (job) => maintenance.process(job), { concurrency: 1 }),
  ];
  // Counted in memory while Redis refuses writes (it may be full), written once it takes them.
  const redisRefusals = deferredCounter(appRedis, prefix, 'endeavor_worker_redis_unavailable_total');
  const refusalWatch = watchRedisRefusals(workers, redisRefusals);

  const heartbeat = async () => {
    await redisRefusals.flush();
    try {
      await beat(appRedis, prefix, workerId, now().getTime());
    } catch {
      // Redis away: readiness will say so.
    }
  };
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), 5000);
  timer.unref();
  log.info({ workerId, queues: workers.map((w) => w.name), deliverConcurrency: tuning.deliverConcurrency, smtpPoolSize: config.smtpPoolSize }, 'workers started');

  return {
    workerId,
    ...(bounces ? { bouncePort: bounces.port } : {}),
    async close() {
      clearInterval(timer);
      refusalWatch.stop();
      await redisRefusals.flush();
      await bounces?.close();
      await Promise.all(workers.map((w) => w.close()));
      await transport.close();
      await stopBeating(appRedis, prefix, workerId).catch(() => undefined);
      appRedis.disconnect();
      log.info({ workerId }, 'workers stopped');
    },
  };
}
