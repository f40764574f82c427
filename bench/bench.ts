/*
 * `npm run bench`: the figures of SPEC §10, from one self-contained run on loopback.
 *
 * It starts a private redis-server (test/helpers/redis-server: AOF on, fsync `always` unless
 * --fsync everysec), a lean SMTP sink on its own thread (a real smtp-server session that answers
 * 250 and notes each Message-ID and when), and seeds a directory: the child's school and GP
 * practice (audience `direct`) and N other organisations of the child's locality (`area`), one
 * contact each, so every `missing.reported` event makes N + 2 deliveries. Requests come from a
 * load thread over keep-alive HTTP connections, each a distinct valid event.
 *
 * The figures:
 * - intake: the real app (createApp) on port 0 with no workers running, so it is intake alone
 *   (auth, rate limit, validation, the event and its outbox written to Redis, the fan-out job
 *   queued). Events/s is 202 answers per second of the whole closed-loop run at the given
 *   concurrency; p50/p99 are per-request times seen by the client, answer included.
 * - end-to-end: workers running, events posted at a steady rate (open loop). For each direct
 *   delivery, the time from the start of its event's POST to the SMTP sink answering 250 to the
 *   message carrying that delivery's Message-ID (delivery records give the ids). Area deliveries
 *   are shown for comparison: direct ones go first by priority. The direct time is then split by
 *   the BullMQ jobs' own timestamps: POST to fan-out start, fan-out until the delivery is
 *   queued, queued until a delivery worker picks it up, and claim + render + SMTP 250.
 * - sustained: with the delivery queue paused, events are posted and fanned out until a backlog
 *   of deliveries waits; then the queue resumes and the figure is sends per second from the
 *   sink's first acceptance to its last (claim, render, SMTP, record: the whole delivery worker).
 *   The fan-out rate while the backlog was built is shown beside it: in the end-to-end phase both
 *   stages share one process, so the offered load is shown as a share of each.
 * - raw ceiling: a bare BullMQ queue and worker on the same Redis (same concurrency, job options
 *   and prefix style) whose jobs only send the same pre-rendered emails through the same
 *   createMailTransport to the same sink. Ratio = sustained / raw: the share of the stack's
 *   ceiling that the delivery pipeline achieves.
 * - transport alone (a diagnostic, not a SPEC figure): the same emails through the same
 *   transport with no queue, as many in flight as the worker's concurrency. The gap between it
 *   and the raw ceiling is BullMQ's cost; its own level is SMTP's (nodemailer's pool of 5).
 *
 * The header shows the machine and its load average: the figures are only comparable between
 * runs on an otherwise idle machine. The end-to-end row shows the offered load as a share of
 * the sustained rate: near or past 100% it measures queueing, not latency.
 *
 * Logs are off (LOG_LEVEL=silent) unless LOG_LEVEL is set; the table goes to stdout, progress to
 * stderr; --json prints one JSON document instead of the table.
 */
import './quiet-logs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { loadConfig, type Config } from '../config/env';
import { createAckToken } from '../src/ack/ack-token';
import { createApp } from '../src/app';
import type { DeliveryWithHistory } from '../src/delivery/delivery.store';
import { createMailTransport, type OutgoingMail } from '../src/delivery/mail.transport';
import { renderMessage } from '../src/delivery/messages';
import { episodeAsOf } from '../src/episodes/episode';
import { eventUid } from '../src/intake/ids';
import { QUEUE_NAMES, createQueues, type DeliverJob, type Queues } from '../src/platform/queues';
import { createRedis, redisReady, type RedisClient } from '../src/platform/redis';
import { messageDomainOf } from '../src/platform/secret';
import { createStores, type Stores } from '../src/stores';
import { practice, school, seedDirectory } from '../test/helpers/directory';
import { startRedisServer, type RedisServerHandle } from '../test/helpers/redis-server';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { runLoad, type LoadPlan, type PostSample } from './load';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options';
import { startBenchSink, type BenchSink } from './smtp-sink';
import { ratePerSecond, spread, type Spread } from './stats';
import { clock } from './threads';
import type { RenderedMessage } from '../src/delivery/message-types';

const FEED = { feedId: 'bench-feed', key: 'bench-feed-key-0123456789abcdefghijklmnop' };
const SECRET_KEY = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
/** The child's own school and GP in test/helpers/factories' reportedEvent (postcode district NE61: Morpeth). */
const CHILD_SCHOOL = '990001';
const CHILD_GP = 'Y90001';
const WARM_UP_EVENTS = 100;
/** The whole run may not take longer than this, whatever hangs. */
const WATCHDOG_MS = 10 * 60_000;

const benchStart = clock();
const progress = (line: string) => process.stderr.write(`bench: ${((clock() - benchStart) / 1000).toFixed(1).padStart(5)} s  ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The service under test

type Stack = {
  url: string;
  config: Config;
  queues: Queues;
  stores: Stores;
  messageDomain: string;
  startWorkers(deliverConcurrency: number): Promise<void>;
  close(): Promise<void>;
};

/** The real app (and, when asked, its workers) under its own QUEUE_PREFIX, as `npm start` wires it. */
async function startStack(redisUrl: string, prefix: string, sink: BenchSink, areaOrgs: number): Promise<Stack> {
  // Development: the lean sink speaks plain SMTP and links point at loopback.
  const config = loadConfig({
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    INTAKE_API_KEYS: `${FEED.feedId}:${FEED.key}`,
    INTAKE_RATE_LIMIT: '1000000',
    SECRET_KEY,
    SMTP_URL: sink.url,
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  });
  const redis = createRedis(config.redisUrl, 'request');
  await redisReady(redis);
  const queues = createQueues(redis, config.queuePrefix);
  const stores = createStores(redis, config.queuePrefix);
  await seedDirectory(redis, config.queuePrefix, directory(areaOrgs));

  const app = createApp({ config, redis, queues, stores, secret: SECRET_KEY });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  let workerRedis: RedisClient | undefined;
  let workerQueues: Queues | undefined;
  let workers: RunningWorkers | undefined;

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    config,
    queues,
    stores,
    messageDomain: messageDomainOf(config.mailFrom),
    async startWorkers(deliverConcurrency) {
      workerRedis = createRedis(config.redisUrl, 'worker');
      workerQueues = createQueues(workerRedis, config.queuePrefix);
      workers = await startWorkers({
        config,
        redis: workerRedis,
        queues: workerQueues,
        smtpUrl: sink.url,
        secret: SECRET_KEY,
        tuning: { deliverConcurrency },
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers?.close();
      await workerQueues?.close();
      await queues.close();
      redis.disconnect();
      workerRedis?.disconnect();
    },
  };
}

/** The child's school and GP, and `areaOrgs` more organisations of Morpeth taking area alerts. */
function directory(areaOrgs: number) {
  const area = Array.from({ length: areaOrgs }, (_, i) =>
    i % 2 === 0 ? school(String(991000 + i)) : practice(`Y9${String(1000 + i).padStart(4, '0')}`),
  );
  return [school(CHILD_SCHOOL), practice(CHILD_GP), ...area];
}

// ---------------------------------------------------------------------------------------------
// Phases

type IntakeFigures = { events: number; concurrency: number; eventsPerSecond: number; latencyMs: Spread; errors: number };

async function intakePhase(stack: Stack, options: BenchOptions): Promise<IntakeFigures> {
  const plan = (count: number): LoadPlan => ({ url: stack.url, feedKey: FEED.key, count, mode: 'closed', concurrency: options.concurrency });
  progress(`intake: warm-up ${WARM_UP_EVENTS} events`);
  await runLoad(plan(WARM_UP_EVENTS), 60_000);
  progress(`intake: ${options.intakeEvents} events, ${options.concurrency} in flight, workers off`);
  const result = await runLoad(plan(options.intakeEvents), 60_000 + options.intakeEvents * 50);
  const accepted = result.samples.filter((s) => s.status === 202);
  return {
    events: options.intakeEvents,
    concurrency: options.concurrency,
    eventsPerSecond: (accepted.length * 1000) / (result.endedAt - result.startedAt),
    latencyMs: spread(accepted.map((s) => s.ms)),
    errors: result.samples.length - accepted.length,
  };
}

/**
 * Where a direct delivery's end-to-end time went, from the BullMQ jobs' own timestamps; the
 * four steps add up to the end-to-end time.
 */
type DirectSplit = {
  /** POST start to its fan-out job starting: the answer, then waiting behind other events' fan-out. */
  toFanout: Spread;
  /** Fan-out job start to this delivery's job being queued: recording the event's deliveries. */
  fanout: Spread;
  /** Queued to picked up by a delivery worker. */
  queued: Spread;
  /** Picked up to SMTP 250: claim the record, render, send. */
  send: Spread;
};

type EndToEndFigures = {
  events: number;
  ratePerSecond: number;
  directMs: Spread;
  directSplitMs: DirectSplit;
  areaMs: Spread;
  /** Deliveries with no acceptance at the sink. */
  missing: number;
  errors: number;
};

/** Posts at a steady rate and waits until the sink has accepted every delivery they make. */
async function postAndDeliver(stack: Stack, sink: BenchSink, options: BenchOptions, count: number): Promise<PostSample[]> {
  const recipients = options.areaOrgs + 2;
  const before = sink.count;
  const result = await runLoad(
    { url: stack.url, feedKey: FEED.key, count, mode: 'open', ratePerSecond: options.e2eRate, maxInFlight: 256 },
    60_000 + (count / options.e2eRate) * 2000,
  );
  const accepted = result.samples.filter((s) => s.status === 202).length;
  await sink.waitForCount(before + accepted * recipients, 60_000 + accepted * recipients * 20);
  return result.samples;
}

async function endToEndPhase(stack: Stack, sink: BenchSink, options: BenchOptions): Promise<EndToEndFigures> {
  progress('end-to-end: warm-up 10 events');
  await postAndDeliver(stack, sink, options, 10);
  progress(`end-to-end: ${options.e2eEvents} events at ${options.e2eRate}/s (${options.areaOrgs + 2} deliveries each)`);
  const samples = await postAndDeliver(stack, sink, options, options.e2eEvents);

  const direct: number[] = [];
  const area: number[] = [];
  const split: Record<keyof DirectSplit, number[]> = { toFanout: [], fanout: [], queued: [], send: [] };
  let missing = 0;
  for (const sample of samples) {
    if (sample.status !== 202 || !sample.episodeId) continue;
    const fanoutJob = await stack.queues.fanout.getJob(`fo-${eventUid(FEED.feedId, sample.eventId)}`);
    for (const delivery of await stack.stores.deliveries.ofEpisode(sample.episodeId, false)) {
      const at = sink.acceptedAt(`<${delivery.deliveryId}@${stack.messageDomain}>`);
      if (at === undefined) {
        missing += 1;
        continue;
      }
      if (delivery.audience === 'area') {
        area.push(at - sample.start);
        continue;
      }
      direct.push(at - sample.start);
      const deliverJob = await stack.queues.deliver.getJob(delivery.deliveryId);
      if (!fanoutJob?.processedOn || !deliverJob?.processedOn) continue;
      split.toFanout.push(fanoutJob.processedOn - sample.start);
      split.fanout.push(deliverJob.timestamp - fanoutJob.processedOn);
      split.queued.push(deliverJob.processedOn - deliverJob.timestamp);
      split.send.push(at - deliverJob.processedOn);
    }
  }
  return {
    events: options.e2eEvents,
    ratePerSecond: options.e2eRate,
    directMs: spread(direct),
    directSplitMs: { toFanout: spread(split.toFanout), fanout: spread(split.fanout), queued: spread(split.queued), send: spread(split.send) },
    areaMs: spread(area),
    missing,
    errors: samples.filter((s) => s.status !== 202).length,
  };
}

type SustainedFigures = {
  events: number;
  deliveries: number;
  deliveriesPerSecond: number;
  seconds: number;
  /** Posting the backlog's events and fanning them out, delivery paused: deliveries created per second. */
  fanoutDeliveriesPerSecond: number;
};

/** Builds a backlog behind a paused delivery queue, then measures how fast it drains into SMTP. */
async function sustainedPhase(stack: Stack, sink: BenchSink, options: BenchOptions): Promise<SustainedFigures> {
  const recipients = options.areaOrgs + 2;
  const events = Math.ceil(options.backlog / recipients);
  const deliveries = events * recipients;
  progress(`sustained: ${events} events -> ${deliveries} deliveries queued behind a paused delivery queue`);
  await stack.queues.deliver.pause();
  const fanoutStart = clock();
  const posted = await runLoad({ url: stack.url, feedKey: FEED.key, count: events, mode: 'closed', concurrency: options.concurrency }, 60_000 + events * 50);
  if (posted.samples.some((s) => s.status !== 202)) throw new Error('sustained: some events were not accepted');

  const deadline = Date.now() + 60_000 + deliveries * 20;
  for (;;) {
    const fanout = await stack.queues.fanout.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'waiting-children');
    const deliver = await stack.queues.deliver.getJobCounts('waiting', 'prioritized');
    const fanoutLeft = Object.values(fanout).reduce((a, b) => a + b, 0);
    const queued = Object.values(deliver).reduce((a, b) => a + b, 0);
    if (fanoutLeft === 0 && queued >= deliveries) break;
    if (Date.now() > deadline) throw new Error(`sustained: fan-out queued ${queued} of ${deliveries} deliveries in time`);
    await sleep(50);
  }
  const fanoutSeconds = (clock() - fanoutStart) / 1000;

  progress(`sustained: draining ${deliveries} deliveries`);
  const before = sink.count;
  await stack.queues.deliver.resume();
  await sink.waitForCount(before + deliveries, 60_000 + deliveries * 20);
  const times = sink.timesSince(before);
  return {
    events,
    deliveries,
    deliveriesPerSecond: ratePerSecond(times),
    seconds: (times[times.length - 1]! - times[0]!) / 1000,
    fanoutDeliveriesPerSecond: deliveries / fanoutSeconds,
  };
}

/** The two emails the backlog is made of, rendered exactly as the delivery worker renders them. */
async function renderedSamples(stack: Stack): Promise<{ direct: OutgoingMail; area: OutgoingMail }> {
  const ids = await stack.stores.deliveries.withStatus('sent', { limit: 1 });
  const first = (await stack.stores.deliveries.load(ids))[0];
  if (!first) throw new Error('raw: no sent delivery to copy');
  const all = await stack.stores.deliveries.ofEpisode(first.episodeId, false);
  const pick = (audience: 'direct' | 'area') => all.find((d) => d.audience === audience && d.kind === 'alert');
  const direct = pick('direct');
  const area = pick('area') ?? direct;
  if (!direct || !area) throw new Error('raw: no alert delivery to copy');

  const render = async (delivery: DeliveryWithHistory): Promise<OutgoingMail> => {
    const events = await stack.stores.events.eventsOfEpisode(delivery.episodeId);
    const own = events.find((e) => e.uid === delivery.eventUid);
    const ackUrl =
      delivery.audience === 'direct'
        ? `${stack.config.publicBaseUrl}/ack/${createAckToken(SECRET_KEY, delivery.deliveryId, new Date())}`
        : undefined;
    const message: RenderedMessage = renderMessage({
      kind: delivery.kind,
      audience: delivery.audience,
      episode: episodeAsOf(events, delivery.eventUid).facts,
      organisation: delivery.organisation,
      contact: { name: delivery.contact.name, role: delivery.contact.role },
      deliveryId: delivery.deliveryId,
      messageDomain: stack.messageDomain,
      ...(ackUrl ? { ackUrl } : {}),
      occurredAt: own?.event.occurredAt ?? delivery.createdAt,
    });
    return { to: delivery.contact.email, subject: message.subject, text: message.text, html: message.html, headers: message.headers, messageId: message.messageId };
  };
  return { direct: await render(direct), area: await render(area) };
}

type RawFigures = { sends: number; sendsPerSecond: number; seconds: number };

/**
 * The ceiling: BullMQ jobs that only send. Same Redis, same job options as enqueueDelivery
 * (priority, attempts, retention; no backoff, nothing fails), same worker concurrency and lock
 * settings, same transport factory, same sink; direct and area emails in the backlog's mix.
 */
async function rawPhase(stack: Stack, sink: BenchSink, options: BenchOptions, redisUrl: string, prefix: string, sends: number): Promise<RawFigures> {
  const mails = await renderedSamples(stack);
  const recipients = options.areaOrgs + 2;
  const producer = createRedis(redisUrl, 'worker');
  const consumer = createRedis(redisUrl, 'worker');
  const queue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: producer as unknown as ConnectionOptions, prefix });
  queue.on('error', (err) => progress(`raw queue error: ${err.message}`));

  progress(`raw: queueing ${sends} send-only jobs`);
  const opts = (i: number): JobsOptions => ({
    jobId: `raw-${i}`,
    priority: i % recipients < 2 ? 1 : 5,
    attempts: stack.config.retry.attempts,
    removeOnComplete: { age: 24 * 3600, count: 50_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
  for (let from = 0; from < sends; from += 500) {
    const chunk = Array.from({ length: Math.min(500, sends - from) }, (_, k) => from + k);
    await queue.addBulk(chunk.map((i) => ({ name: 'deliver', data: { deliveryId: `raw-${i}` }, opts: opts(i) })));
  }

  const transport = createMailTransport({ url: sink.url, from: stack.config.mailFrom });
  const worker = new Worker<DeliverJob>(
    QUEUE_NAMES.deliver,
    async (job) => {
      const index = Number(job.data.deliveryId.slice(4));
      const mail = index % recipients < 2 ? mails.direct : mails.area;
      await transport.send({ ...mail, messageId: `<${job.data.deliveryId}@${stack.messageDomain}>` });
      return 'sent';
    },
    {
      connection: consumer as unknown as ConnectionOptions,
      prefix,
      concurrency: options.deliverConcurrency,
      lockDuration: stack.config.jobs.lockMs,
      stalledInterval: stack.config.jobs.stalledCheckMs,
      maxStalledCount: 10,
      autorun: false,
    },
  );
  worker.on('error', (err) => progress(`raw worker error: ${err.message}`));

  progress(`raw: draining ${sends} sends`);
  const before = sink.count;
  void worker.run();
  try {
    await sink.waitForCount(before + sends, 60_000 + sends * 20);
  } finally {
    await worker.close();
    await transport.close();
    await queue.close();
    producer.disconnect();
    consumer.disconnect();
  }
  const times = sink.timesSince(before);
  return { sends, sendsPerSecond: ratePerSecond(times), seconds: (times[times.length - 1]! - times[0]!) / 1000 };
}

type TransportFigures = { sends: number; sendsPerSecond: number };

/**
 * Not a SPEC figure, a diagnostic: the same emails through the same transport with no queue at
 * all, `deliverConcurrency` sends in flight. Read against the raw ceiling it shows what BullMQ
 * costs; read against the sink it shows where SMTP itself tops out on this machine.
 */
async function transportPhase(stack: Stack, sink: BenchSink, options: BenchOptions, sends: number): Promise<TransportFigures> {
  const mails = await renderedSamples(stack);
  const recipients = options.areaOrgs + 2;
  const transport = createMailTransport({ url: sink.url, from: stack.config.mailFrom });
  progress(`transport alone: ${sends} sends, ${options.deliverConcurrency} in flight`);
  const before = sink.count;
  let next = 0;
  const sender = async () => {
    while (next < sends) {
      const i = next++;
      const mail = i % recipients < 2 ? mails.direct : mails.area;
      await transport.send({ ...mail, messageId: `<bare-${i}@${stack.messageDomain}>` });
    }
  };
  try {
    await Promise.all(Array.from({ length: options.deliverConcurrency }, sender));
    await sink.waitForCount(before + sends, 30_000);
  } finally {
    await transport.close();
  }
  return { sends, sendsPerSecond: ratePerSecond(sink.timesSince(before)) };
}

// ---------------------------------------------------------------------------------------------
// Output

type Machine = {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  redis: string;
  appendfsync: string;
  /** 1-minute load average before and after the run: other work on the machine skews every figure. */
  loadAverage: { before: number; after: number };
};

type Report = {
  machine: Machine;
  settings: BenchOptions & { recipientsPerEvent: number; smtpPoolConnections: number };
  intake: IntakeFigures;
  endToEnd: EndToEndFigures;
  sustained: SustainedFigures;
  raw: RawFigures;
  transportAlone: TransportFigures;
  /** sustained deliveries/s over raw sends/s. */
  ratio: number;
  /** Messages the sink accepted twice under one Message-ID (should be 0). */
  duplicates: number;
  totalSeconds: number;
};

async function machineFacts(redisUrl: string): Promise<Machine> {
  const redis = createRedis(redisUrl, 'worker');
  try {
    const info = await redis.info('server');
    const fsync = (await redis.config('GET', 'appendfsync')) as string[];
    const cpus = os.cpus();
    return {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      appendfsync: fsync[1] ?? 'unknown',
      loadAverage: { before: os.loadavg()[0]!, after: Number.NaN },
    };
  } finally {
    redis.disconnect();
  }
}

const SPLIT_LABEL: Record<keyof DirectSplit, string> = {
  toFanout: 'POST to fan-out start',
  fanout: 'fan-out until queued',
  queued: 'queued until picked up',
  send: 'claim + render + SMTP 250',
};
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const latency = (s: Spread) => `${fixed(s.p50)} / ${fixed(s.p99)} ms`;

function table(r: Report): string {
  const m = r.machine;
  const s = r.settings;
  const offered = r.endToEnd.ratePerSecond * s.recipientsPerEvent;
  const rows: Array<[string, string, string]> = [
    ['intake throughput', `${fixed(r.intake.eventsPerSecond, 0)} events/s`, `${r.intake.events} events, ${r.intake.concurrency} in flight, workers off`],
    ['intake latency p50 / p99', latency(r.intake.latencyMs), `max ${fixed(r.intake.latencyMs.max)} ms, ${r.intake.errors} errors`],
    ['end-to-end direct p50 / p99', latency(r.endToEnd.directMs), `POST start -> SMTP 250, ${r.endToEnd.directMs.count} direct deliveries`],
    ['  (area, for comparison)', latency(r.endToEnd.areaMs), `${r.endToEnd.events} events at ${r.endToEnd.ratePerSecond}/s, ${r.endToEnd.missing} missing`],
    ['  offered load', `${fixed(offered, 0)} deliveries/s`, `${fixed((100 * offered) / r.sustained.deliveriesPerSecond, 0)}% of sustained delivery, ${fixed((100 * offered) / r.sustained.fanoutDeliveriesPerSecond, 0)}% of fan-out rate`],
    ...(['toFanout', 'fanout', 'queued', 'send'] as const).map(
      (step): [string, string, string] => [`  direct: ${SPLIT_LABEL[step]}`, latency(r.endToEnd.directSplitMs[step]), ''],
    ),
    ['sustained deliveries', `${fixed(r.sustained.deliveriesPerSecond, 0)} /s`, `${r.sustained.deliveries} deliveries in ${fixed(r.sustained.seconds, 2)} s, fanned out beforehand`],
    ['  (fan-out, for comparison)', `${fixed(r.sustained.fanoutDeliveriesPerSecond, 0)} /s`, `deliveries recorded and queued per second, delivery paused`],
    ['raw ceiling (BullMQ + SMTP)', `${fixed(r.raw.sendsPerSecond, 0)} /s`, `${r.raw.sends} sends in ${fixed(r.raw.seconds, 2)} s`],
    ['ratio ours / raw', fixed(r.ratio, 2), `${r.duplicates} duplicate sends`],
    ['(diagnostic) transport alone', `${fixed(r.transportAlone.sendsPerSecond, 0)} /s`, `${r.transportAlone.sends} sends, no queue, ${s.deliverConcurrency} in flight`],
  ];
  const width = [Math.max(...rows.map((row) => row[0].length)), Math.max(...rows.map((row) => row[1].length))];
  return [
    `Endeavor Dispatch bench: node ${m.node}, ${m.platform}, ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB; redis ${m.redis} (AOF, appendfsync ${m.appendfsync})`,
    `load average ${fixed(m.loadAverage.before, 2)} before, ${fixed(m.loadAverage.after, 2)} after (${m.cpus} cpus: above that, other work skews the figures)`,
    `directory: child's school + GP (direct) + ${s.areaOrgs} area organisations = ${s.recipientsPerEvent} deliveries per event; ` +
      `delivery concurrency ${s.deliverConcurrency}, SMTP pool ${s.smtpPoolConnections}; run ${fixed(r.totalSeconds, 0)} s`,
    '',
    ...rows.map(([name, value, detail]) => `${name.padEnd(width[0]!)}  ${value.padStart(width[1]!)}  ${detail}`.trimEnd()),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let redisServer: RedisServerHandle | undefined;
  let sink: BenchSink | undefined;
  const stacks: Stack[] = [];
  // An interrupted run still stops its redis-server; a closed stdout (`| head`) is not a crash.
  const interrupt = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    void (redisServer?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.stdout.on('error', () => undefined);
  const watchdog = setTimeout(() => {
    progress(`gave up after ${WATCHDOG_MS / 1000} s`);
    void (redisServer?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  const started = clock();
  const base = `bench_${Date.now().toString(36)}`;
  try {
    redisServer = await startRedisServer();
    if (options.fsync !== 'always') {
      const admin = createRedis(redisServer.url, 'worker');
      await admin.config('SET', 'appendfsync', options.fsync);
      admin.disconnect();
    }
    const machine = await machineFacts(redisServer.url);
    sink = await startBenchSink();
    progress(`redis ${redisServer.url}, SMTP sink ${sink.url}, prefix ${base}_*`);

    // Intake alone: this stack never starts workers, so its events stay accepted.
    const intakeStack = await startStack(redisServer.url, `${base}_intake`, sink, options.areaOrgs);
    stacks.push(intakeStack);
    const intake = await intakePhase(intakeStack, options);
    await intakeStack.close();
    stacks.pop();

    const pipeline = await startStack(redisServer.url, `${base}_pipeline`, sink, options.areaOrgs);
    stacks.push(pipeline);
    await pipeline.startWorkers(options.deliverConcurrency);
    const endToEnd = await endToEndPhase(pipeline, sink, options);
    const sustained = await sustainedPhase(pipeline, sink, options);
    const raw = await rawPhase(pipeline, sink, options, redisServer.url, `${base}_raw`, sustained.deliveries);
    const transportAlone = await transportPhase(pipeline, sink, options, Math.min(1000, sustained.deliveries));
    machine.loadAverage.after = os.loadavg()[0]!;

    const report: Report = {
      machine,
      settings: { ...options, recipientsPerEvent: options.areaOrgs + 2, smtpPoolConnections: 5 },
      intake,
      endToEnd,
      sustained,
      raw,
      transportAlone,
      ratio: sustained.deliveriesPerSecond / raw.sendsPerSecond,
      duplicates: sink.duplicates,
      totalSeconds: (clock() - started) / 1000,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : table(report));
    if (intake.errors + endToEnd.errors + endToEnd.missing + sink.duplicates > 0) {
      progress('some requests failed, deliveries went missing or were sent twice: the figures are suspect');
      process.exitCode = 1;
    }
  } finally {
    for (const stack of stacks) await stack.close().catch(() => undefined);
    await sink?.close().catch(() => undefined);
    await redisServer?.stop().catch(() => undefined);
    clearTimeout(watchdog);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    // Everything was closed; this only stops a stray handle from keeping the process alive.
    setTimeout(() => process.exit(), 2000).unref();
  });
