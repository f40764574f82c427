/*
 * `npm run bench`: the figures of SPEC §10 (and issue 11's table), from one self-contained run
 * on loopback. Every part runs in a process of its own, as in production:
 *
 *   bench (this process)   orchestrates; holds the lean SMTP sink on a worker thread (a real
 *                          smtp-server session that answers 250 and notes each Message-ID,
 *                          recipient and time) and reads Redis between phases
 *   load                   bench/load.process.ts, forked: posts the events over keep-alive HTTP
 *   api                    `start:api` (src/main.ts --api): a node:cluster primary and
 *                          API_PROCESSES API processes (default: one per CPU)
 *   workers                `start:workers` (workers/main.ts)
 *   raw                    bench/raw.process.ts, forked: the raw ceiling
 *   redis-server           private (test/helpers/redis-server): AOF on, fsync `always` unless
 *                          --fsync everysec
 *
 * The service runs from the TypeScript sources through tsx's loader (`node --import tsx`, what
 * `npm start` runs), not from the compiled dist/ of the image. Logs are off (LOG_LEVEL=silent)
 * unless LOG_LEVEL is set. The directory: the child's school and GP practice (audience `direct`)
 * and `--area-orgs` more organisations of the child's locality (`area`), one contact each, all
 * fictional on `.test` domains, so every `missing.reported` event makes 2 + area-orgs deliveries
 * (40 by default).
 *
 * The figures:
 * - intake: `start:api` with no workers process (so it is intake alone: auth, rate limit,
 *   validation, the event and its outbox written to Redis, the fan-out job queued). Throughput
 *   is 202 answers per second of a closed-loop run at each `--concurrency`; p50/p99 per request
 *   as the load process saw it, answer included. The CPU the API processes used (in cores) shows
 *   whether they were the bottleneck.
 * - intake at a steady rate: the same, open loop at `--steady-rate` events/s.
 * - end-to-end: a fresh `start:api` and `start:workers`; events at `--e2e-rate`/s (open loop).
 *   For each delivery, the time from the start of its event's POST to the sink's 250 for its
 *   Message-ID (delivery ids are derived from event and contact, so the bench knows them). The
 *   direct time is split by the BullMQ jobs' timestamps: POST to fan-out start, fan-out until
 *   the delivery is queued, queued until picked up, picked up until SMTP 250.
 * - burst: `--burst-events` events posted at once; the time from the first POST to the last
 *   direct email accepted, and to the last email; area emails accepted before the last direct
 *   one (direct deliveries should all go first).
 * - sustained: with the delivery queue paused, events are posted and fanned out until a backlog
 *   waits; then the queue resumes and the figure is sends per second from the sink's first
 *   acceptance to its last (claim, render, SMTP, record: the whole delivery worker).
 * - raw ceiling: BullMQ jobs queued by the app's enqueueDelivery on the same Redis, run by a
 *   Worker with the delivery worker's options and concurrency in a process of its own, that only
 *   send copies of the emails the service sent (read back from the sink) through the app's
 *   transport with the same pool to the same sink. Ratio = sustained / raw.
 * - transport alone (a diagnostic): the same emails, same transport, no queue.
 * - duplicates: messages the sink accepted twice under one Message-ID, over the whole run.
 * - peak RSS of every process (Linux /proc VmHWM), and the exit code of each service process
 *   on SIGTERM (0 = drained).
 *
 * The header shows the machine and its load average: the figures are only comparable between
 * runs on an otherwise idle machine, and on a shared one best read as ratios. stdout carries the
 * table, or with --json one JSON object and nothing else; progress goes to stderr.
 */
import './quiet-logs';
import os from 'node:os';
import { loadConfig } from '../config/env';
import { contactIdFor } from '../src/directory/contacts-csv';
import type { Organisation } from '../src/directory/organisation';
import { deliveryIdOf } from '../src/episodes/plan-fanout';
import { eventUid } from '../src/intake/ids';
import { createQueues, type Queues } from '../src/platform/queues';
import { createRedis, redisReady, type RedisClient } from '../src/platform/redis';
import { messageDomainOf } from '../src/platform/secret';
import { practice, school, seedDirectory } from '../test/helpers/directory';
import { freePort, startRedisServer, type RedisServerHandle } from '../test/helpers/redis-server';
import { startLoader, type LoadPlan, type LoadResult, type Loader, type PostSample } from './load';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options';
import { cpuTicks, peakRssMiB } from './proc';
import { outgoingFromSource, startRawProcess } from './raw';
import { startApi, startWorkers, type ServiceProcess } from './service';
import { startBenchSink, type BenchSink } from './smtp-sink';
import { ratePerSecond, spread, type Spread } from './stats';
import { clock } from './threads';

const FEED = { feedId: 'bench-feed', key: 'bench-feed-key-0123456789abcdefghijklmnop' };
const SECRET_KEY = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
/** The child's own school and GP in test/helpers/factories' reportedEvent (postcode district NE61: Morpeth). */
const CHILD_SCHOOL = school('990001');
const CHILD_GP = practice('Y90001');
const DIRECT_EMAILS = new Set([CHILD_SCHOOL, CHILD_GP].map((org) => org.contacts[0]!.email));
const INTAKE_WARM_UP_EVENTS = 300;
const E2E_WARM_UP_EVENTS = 10;
/** Linux's USER_HZ: /proc CPU times are in hundredths of a second. */
const TICKS_PER_SECOND = 100;
/** The whole run may not take longer than this, whatever hangs. */
const WATCHDOG_MS = 8 * 60_000;

const benchStart = clock();
const progress = (line: string) => process.stderr.write(`bench: ${((clock() - benchStart) / 1000).toFixed(1).padStart(5)} s  ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The directory and the service

/** The child's school and GP, and `areaOrgs` more organisations of Morpeth taking area alerts. */
function directory(areaOrgs: number): Organisation[] {
  const area = Array.from({ length: areaOrgs }, (_, i) =>
    i % 2 === 0 ? school(String(991000 + i)) : practice(`Y9${String(1000 + i).padStart(4, '0')}`),
  );
  return [CHILD_SCHOOL, CHILD_GP, ...area];
}

/** Every delivery an event makes, by Message-ID: ids derive from the event and the contact. */
function expectedMessages(organisations: Organisation[], messageDomain: string, eventId: string): Array<[messageId: string, direct: boolean]> {
  const uid = eventUid(FEED.feedId, eventId);
  return organisations.flatMap((org) =>
    org.contacts.map((contact): [string, boolean] => {
      const deliveryId = deliveryIdOf(uid, { orgType: org.type, orgId: org.id, contactId: contactIdFor(contact.email) });
      return [`<${deliveryId}@${messageDomain}>`, DIRECT_EMAILS.has(contact.email)];
    }),
  );
}

type Stack = {
  prefix: string;
  url: string;
  env: Record<string, string>;
  api: ServiceProcess;
  workers?: ServiceProcess;
  queues: Queues;
};

function serviceEnv(redisUrl: string, prefix: string, sink: BenchSink, options: BenchOptions): Record<string, string> {
  // Development: the lean sink speaks plain SMTP and links point at loopback.
  return {
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    INTAKE_API_KEYS: `${FEED.feedId}:${FEED.key}`,
    INTAKE_RATE_LIMIT: '1000000',
    SECRET_KEY,
    SMTP_URL: sink.url,
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    DELIVER_CONCURRENCY: String(options.deliverConcurrency),
    SMTP_POOL_SIZE: String(options.smtpPoolSize),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  };
}

/** Seeds the directory under its own QUEUE_PREFIX, then starts `start:api` and, when asked, `start:workers`. */
async function startStack(
  admin: RedisClient,
  redisUrl: string,
  prefix: string,
  sink: BenchSink,
  options: BenchOptions,
  withWorkers: boolean,
  spawned: (service: ServiceProcess) => void,
): Promise<Stack> {
  await seedDirectory(admin, prefix, directory(options.areaOrgs));
  const env = serviceEnv(redisUrl, prefix, sink, options);
  const port = await freePort();
  progress(`starting start:api (${options.apiProcesses} API processes)${withWorkers ? ' and start:workers' : ''}, prefix ${prefix}`);
  const api = await startApi(env, port, options.apiProcesses, spawned);
  const url = `http://127.0.0.1:${port}`;
  const workers = withWorkers ? await startWorkers(env, url, spawned) : undefined;
  return { prefix, url, env, api, ...(workers ? { workers } : {}), queues: createQueues(admin, prefix) };
}

// ---------------------------------------------------------------------------------------------
// Phases

type CpuCores = Record<string, number>;

/** CPU used by each process while `work` runs, in cores (1 = one core busy the whole time). */
async function measuringCpu<T>(processes: Record<string, number[]>, work: () => Promise<T>): Promise<{ result: T; cpu: CpuCores }> {
  const ticks = () => Object.fromEntries(Object.entries(processes).map(([role, pids]) => [role, pids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? Number.NaN), 0)]));
  const before = ticks();
  const started = clock();
  const result = await work();
  const seconds = (clock() - started) / 1000;
  const after = ticks();
  const cpu = Object.fromEntries(Object.keys(processes).map((role) => [role, Math.round(((after[role]! - before[role]!) / TICKS_PER_SECOND / seconds) * 100) / 100]));
  return { result, cpu };
}

type IntakeRun = { concurrency: number; events: number; eventsPerSecond: number; latencyMs: Spread; errors: number; cpuCores: CpuCores };
type SteadyIntake = { ratePerSecond: number; events: number; achievedPerSecond: number; latencyMs: Spread; errors: number; cpuCores: CpuCores };
type IntakeFigures = { runs: IntakeRun[]; max: IntakeRun; steady: SteadyIntake };

const accepted = (result: LoadResult) => result.samples.filter((s) => s.status === 202);

async function intakePhase(stack: Stack, loader: Loader, redisPid: number | undefined, options: BenchOptions): Promise<IntakeFigures> {
  const apiPids = [stack.api.pid, ...stack.api.peakRss().slice(1).map((p) => p.pid)];
  const watched = { api: apiPids, load: [loader.pid], redis: redisPid === undefined ? [] : [redisPid] };
  const closed = (count: number, concurrency: number): LoadPlan => ({ url: stack.url, feedKey: FEED.key, count, mode: 'closed', concurrency });

  const top = Math.max(...options.concurrency);
  progress(`intake: warm-up ${INTAKE_WARM_UP_EVENTS} events, ${top} in flight`);
  await loader.run(closed(INTAKE_WARM_UP_EVENTS, top), 120_000);

  const runs: IntakeRun[] = [];
  for (const concurrency of options.concurrency) {
    progress(`intake: ${options.intakeEvents} events, ${concurrency} in flight, no workers`);
    const { result, cpu } = await measuringCpu(watched, () => loader.run(closed(options.intakeEvents, concurrency), 60_000 + options.intakeEvents * 50));
    const ok = accepted(result);
    runs.push({
      concurrency,
      events: options.intakeEvents,
      eventsPerSecond: (ok.length * 1000) / (result.endedAt - result.startedAt),
      latencyMs: spread(ok.map((s) => s.ms)),
      errors: result.samples.length - ok.length,
      cpuCores: cpu,
    });
  }

  const events = Math.round(options.steadyRate * options.steadySeconds);
  progress(`intake: ${events} events at a steady ${options.steadyRate}/s`);
  const { result, cpu } = await measuringCpu(watched, () =>
    loader.run({ url: stack.url, feedKey: FEED.key, count: events, mode: 'open', ratePerSecond: options.steadyRate, maxInFlight: 256 }, 60_000 + options.steadySeconds * 3000),
  );
  const ok = accepted(result);
  return {
    runs,
    max: runs.reduce((best, run) => (run.eventsPerSecond > best.eventsPerSecond ? run : best)),
    steady: {
      ratePerSecond: options.steadyRate,
      events,
      achievedPerSecond: (ok.length * 1000) / (result.endedAt - result.startedAt),
      latencyMs: spread(ok.map((s) => s.ms)),
      errors: result.samples.length - ok.length,
      cpuCores: cpu,
    },
  };
}

type Matched = { direct: Array<{ sample: PostSample; messageId: string; at: number }>; area: Array<{ sample: PostSample; at: number }>; missing: number };

/** Pairs each accepted event's deliveries with the sink's acceptances since `from`. */
function matchDeliveries(sink: BenchSink, from: number, samples: PostSample[], organisations: Organisation[], messageDomain: string): Matched {
  const acceptedAt = new Map(sink.since(from).map((a) => [a.messageId, a.at]));
  const matched: Matched = { direct: [], area: [], missing: 0 };
  for (const sample of samples) {
    if (sample.status !== 202) continue;
    for (const [messageId, direct] of expectedMessages(organisations, messageDomain, sample.eventId)) {
      const at = acceptedAt.get(messageId);
      if (at === undefined) matched.missing += 1;
      else if (direct) matched.direct.push({ sample, messageId, at });
      else matched.area.push({ sample, at });
    }
  }
  return matched;
}

/** Posts with `plan` and waits until the sink has accepted every delivery the accepted events make. */
async function postAndDeliver(loader: Loader, sink: BenchSink, plan: LoadPlan, recipients: number): Promise<{ from: number; result: LoadResult }> {
  const from = sink.count;
  const result = await loader.run(plan, 120_000 + plan.count * 100);
  const deliveries = accepted(result).length * recipients;
  await sink.waitForCount(from + deliveries, 60_000 + deliveries * 20);
  return { from, result };
}

/** Where a direct delivery's end-to-end time went, from the BullMQ jobs' own timestamps. */
type DirectSplit = { toFanout: Spread; fanout: Spread; queued: Spread; send: Spread };

type EndToEndFigures = {
  events: number;
  ratePerSecond: number;
  recipientsPerEvent: number;
  directMs: Spread;
  directSplitMs: DirectSplit;
  areaMs: Spread;
  missing: number;
  errors: number;
};

async function endToEndPhase(stack: Stack, loader: Loader, sink: BenchSink, options: BenchOptions, organisations: Organisation[], messageDomain: string): Promise<EndToEndFigures> {
  const open = (count: number): LoadPlan => ({ url: stack.url, feedKey: FEED.key, count, mode: 'open', ratePerSecond: options.e2eRate, maxInFlight: 256 });
  progress(`end-to-end: warm-up ${E2E_WARM_UP_EVENTS} events`);
  await postAndDeliver(loader, sink, open(E2E_WARM_UP_EVENTS), organisations.length);
  progress(`end-to-end: ${options.e2eEvents} events at ${options.e2eRate}/s (${organisations.length} deliveries each)`);
  const { from, result } = await postAndDeliver(loader, sink, open(options.e2eEvents), organisations.length);
  const matched = matchDeliveries(sink, from, result.samples, organisations, messageDomain);

  const split: Record<keyof DirectSplit, number[]> = { toFanout: [], fanout: [], queued: [], send: [] };
  for (const { sample, messageId, at } of matched.direct) {
    const fanoutJob = await stack.queues.fanout.getJob(`fo-${eventUid(FEED.feedId, sample.eventId)}`);
    const deliverJob = await stack.queues.deliver.getJob(messageId.slice(1, messageId.indexOf('@')));
    if (!fanoutJob?.processedOn || !deliverJob?.processedOn) continue;
    split.toFanout.push(fanoutJob.processedOn - sample.start);
    split.fanout.push(deliverJob.timestamp - fanoutJob.processedOn);
    split.queued.push(deliverJob.processedOn - deliverJob.timestamp);
    split.send.push(at - deliverJob.processedOn);
  }
  return {
    events: options.e2eEvents,
    ratePerSecond: options.e2eRate,
    recipientsPerEvent: organisations.length,
    directMs: spread(matched.direct.map((d) => d.at - d.sample.start)),
    directSplitMs: { toFanout: spread(split.toFanout), fanout: spread(split.fanout), queued: spread(split.queued), send: spread(split.send) },
    areaMs: spread(matched.area.map((a) => a.at - a.sample.start)),
    missing: matched.missing,
    errors: result.samples.length - accepted(result).length,
  };
}

type BurstFigures = {
  events: number;
  deliveries: number;
  /** First POST start to the last 202. */
  postedMs: number;
  /** First POST start to the last direct email accepted. */
  lastDirectMs: number;
  /** First POST start to the last email accepted. */
  lastEmailMs: number;
  /** Area emails accepted before the last direct one. */
  areaBeforeLastDirect: number;
  missing: number;
  errors: number;
};

async function burstPhase(stack: Stack, loader: Loader, sink: BenchSink, options: BenchOptions, organisations: Organisation[], messageDomain: string): Promise<BurstFigures> {
  progress(`burst: ${options.burstEvents} events at once (${options.burstEvents * organisations.length} deliveries)`);
  const plan: LoadPlan = { url: stack.url, feedKey: FEED.key, count: options.burstEvents, mode: 'closed', concurrency: Math.min(options.burstEvents, 256) };
  const { from, result } = await postAndDeliver(loader, sink, plan, organisations.length);
  const matched = matchDeliveries(sink, from, result.samples, organisations, messageDomain);
  const t0 = Math.min(...result.samples.map((s) => s.start));
  const lastDirect = Math.max(...matched.direct.map((d) => d.at));
  return {
    events: options.burstEvents,
    deliveries: matched.direct.length + matched.area.length,
    postedMs: Math.max(...result.samples.map((s) => s.start + s.ms)) - t0,
    lastDirectMs: lastDirect - t0,
    lastEmailMs: Math.max(lastDirect, ...matched.area.map((a) => a.at)) - t0,
    areaBeforeLastDirect: matched.area.filter((a) => a.at < lastDirect).length,
    missing: matched.missing,
    errors: result.samples.length - accepted(result).length,
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
async function sustainedPhase(stack: Stack, loader: Loader, sink: BenchSink, options: BenchOptions, recipients: number): Promise<SustainedFigures> {
  const events = Math.ceil(options.backlog / recipients);
  const deliveries = events * recipients;
  progress(`sustained: ${events} events -> ${deliveries} deliveries queued behind a paused delivery queue`);
  await stack.queues.deliver.pause();
  const fanoutStart = clock();
  const posted = await loader.run({ url: stack.url, feedKey: FEED.key, count: events, mode: 'closed', concurrency: 16 }, 60_000 + events * 50);
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

type RawFigures = { sends: number; sendsPerSecond: number; seconds: number; transportAlone: { sends: number; sendsPerSecond: number }; peakRssMiB: number | undefined };

async function rawPhase(stack: Stack, sink: BenchSink, recipients: number, sends: number, areaEmail: string): Promise<RawFigures> {
  const directEmail = CHILD_SCHOOL.contacts[0]!.email;
  const directSource = sink.captured(directEmail);
  const areaSource = sink.captured(areaEmail) ?? directSource;
  if (!directSource || !areaSource) throw new Error('raw: the sink caught no email to copy');
  const mails = { direct: await outgoingFromSource(directSource, directEmail), area: await outgoingFromSource(areaSource, areaEmail) };

  progress('raw: starting the raw ceiling process');
  const raw = await startRawProcess({ ...stack.env, QUEUE_PREFIX: `${stack.prefix}_raw` });
  try {
    progress(`raw: queueing ${sends} send-only jobs`);
    await raw.ask({ type: 'queue', sends, recipients, mails }, 'queued', 120_000);
    progress(`raw: draining ${sends} sends`);
    const before = sink.count;
    await raw.ask({ type: 'drain' }, 'draining', 10_000);
    await sink.waitForCount(before + sends, 60_000 + sends * 20);
    const times = sink.timesSince(before);

    const bare = Math.min(1000, sends);
    progress(`transport alone: ${bare} sends, no queue`);
    const bareFrom = sink.count;
    await raw.ask({ type: 'transport', sends: bare, recipients, mails }, 'sent', 60_000 + bare * 20);
    await sink.waitForCount(bareFrom + bare, 30_000);
    return {
      sends,
      sendsPerSecond: ratePerSecond(times),
      seconds: (times[times.length - 1]! - times[0]!) / 1000,
      transportAlone: { sends: bare, sendsPerSecond: ratePerSecond(sink.timesSince(bareFrom)) },
      peakRssMiB: raw.peakRssMiB(),
    };
  } finally {
    await raw.close();
  }
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
  /** Load averages (1, 5, 15 minutes) before the run, and the 1-minute one after. */
  loadAverage: { before: number[]; after: number };
};

type ProcessRss = { role: string; pid: number | undefined; peakRssMiB: number | undefined };

type Goal = { figure: string; goal: string; value: number; met: boolean };

type Report = {
  machine: Machine;
  settings: BenchOptions & { recipientsPerEvent: number; service: string };
  intake: IntakeFigures;
  endToEnd: EndToEndFigures;
  burst: BurstFigures;
  sustained: SustainedFigures;
  raw: Omit<RawFigures, 'transportAlone' | 'peakRssMiB'>;
  transportAlone: RawFigures['transportAlone'];
  /** sustained deliveries/s over raw sends/s. */
  ratio: number;
  /** Messages the sink accepted twice under one Message-ID, over the whole run (should be 0). */
  duplicates: number;
  /** Exit code of each service process on SIGTERM (0 = drained in time). */
  shutdown: Record<string, number | null>;
  peakRss: ProcessRss[];
  goals: Goal[];
  totalSeconds: number;
};

async function machineFacts(redis: RedisClient): Promise<Machine & { redisPid: number | undefined }> {
  const info = await redis.info('server');
  const fsync = (await redis.config('GET', 'appendfsync')) as string[];
  const cpus = os.cpus();
  const pid = /process_id:(\d+)/.exec(info)?.[1];
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    appendfsync: fsync[1] ?? 'unknown',
    loadAverage: { before: os.loadavg().map((n) => Math.round(n * 100) / 100), after: Number.NaN },
    redisPid: pid === undefined ? undefined : Number(pid),
  };
}

/** Issue 11's goals, each against this run's figure. */
function goals(r: Omit<Report, 'goals'>): Goal[] {
  return [
    { figure: 'intake events/s (best concurrency)', goal: '>= 3000', value: r.intake.max.eventsPerSecond, met: r.intake.max.eventsPerSecond >= 3000 },
    { figure: `intake p99 ms at ${r.intake.steady.ratePerSecond}/s`, goal: '< 25', value: r.intake.steady.latencyMs.p99, met: r.intake.steady.latencyMs.p99 < 25 },
    { figure: 'end-to-end direct p99 ms', goal: '< 500', value: r.endToEnd.directMs.p99, met: r.endToEnd.directMs.p99 < 500 },
    { figure: 'burst: last direct email ms', goal: '<= 5000', value: r.burst.lastDirectMs, met: r.burst.lastDirectMs <= 5000 },
    { figure: 'sustained / raw', goal: '>= 0.80', value: r.ratio, met: r.ratio >= 0.8 },
    { figure: 'duplicate sends', goal: '= 0', value: r.duplicates, met: r.duplicates === 0 },
  ];
}

const SPLIT_LABEL: Record<keyof DirectSplit, string> = {
  toFanout: 'POST to fan-out start',
  fanout: 'fan-out until queued',
  queued: 'queued until picked up',
  send: 'picked up until SMTP 250',
};
const fixed = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const latency = (s: Spread) => `${fixed(s.p50)} / ${fixed(s.p99)} ms`;
const cores = (cpu: CpuCores) => Object.entries(cpu).map(([role, n]) => `${role} ${fixed(n, 2)}`).join(', ');

function table(r: Report): string {
  const m = r.machine;
  const s = r.settings;
  const offered = r.endToEnd.ratePerSecond * s.recipientsPerEvent;
  const rows: Array<[string, string, string]> = [
    ...r.intake.runs.map((run): [string, string, string] => [
      `intake, ${run.concurrency} in flight`,
      `${fixed(run.eventsPerSecond, 0)} events/s`,
      `p50/p99 ${latency(run.latencyMs)}, ${run.errors} errors; CPU cores: ${cores(run.cpuCores)}`,
    ]),
    [
      `intake at ${r.intake.steady.ratePerSecond}/s p50 / p99`,
      latency(r.intake.steady.latencyMs),
      `${r.intake.steady.events} events, ${fixed(r.intake.steady.achievedPerSecond, 0)}/s achieved, ${r.intake.steady.errors} errors; CPU cores: ${cores(r.intake.steady.cpuCores)}`,
    ],
    ['end-to-end direct p50 / p99', latency(r.endToEnd.directMs), `POST start -> SMTP 250, ${r.endToEnd.directMs.count} direct deliveries`],
    ['  (area, for comparison)', latency(r.endToEnd.areaMs), `${r.endToEnd.events} events at ${r.endToEnd.ratePerSecond}/s x ${r.endToEnd.recipientsPerEvent} recipients, ${r.endToEnd.missing} missing`],
    ['  offered load', `${fixed(offered, 0)} deliveries/s`, `${fixed((100 * offered) / r.sustained.deliveriesPerSecond, 0)}% of sustained delivery`],
    ...(['toFanout', 'fanout', 'queued', 'send'] as const).map((step): [string, string, string] => [`  direct: ${SPLIT_LABEL[step]}`, latency(r.endToEnd.directSplitMs[step]), '']),
    ['burst: last direct email', `${fixed(r.burst.lastDirectMs, 0)} ms`, `${r.burst.events} events x ${s.recipientsPerEvent} at once; ${r.burst.areaBeforeLastDirect} area emails before it; all posted in ${fixed(r.burst.postedMs, 0)} ms`],
    ['burst: last email', `${fixed(r.burst.lastEmailMs, 0)} ms`, `${r.burst.deliveries} deliveries, ${r.burst.missing} missing`],
    ['sustained deliveries', `${fixed(r.sustained.deliveriesPerSecond, 0)} /s`, `${r.sustained.deliveries} deliveries in ${fixed(r.sustained.seconds, 2)} s, fanned out beforehand`],
    ['  (fan-out, for comparison)', `${fixed(r.sustained.fanoutDeliveriesPerSecond, 0)} /s`, 'deliveries recorded and queued per second, delivery paused'],
    ['raw ceiling (BullMQ + SMTP)', `${fixed(r.raw.sendsPerSecond, 0)} /s`, `${r.raw.sends} sends in ${fixed(r.raw.seconds, 2)} s`],
    ['ratio ours / raw', fixed(r.ratio, 2), `${r.duplicates} duplicate sends`],
    ['(diagnostic) transport alone', `${fixed(r.transportAlone.sendsPerSecond, 0)} /s`, `${r.transportAlone.sends} sends, no queue, ${s.deliverConcurrency} in flight`],
  ];
  const width = [Math.max(...rows.map((row) => row[0].length)), Math.max(...rows.map((row) => row[1].length))];
  const goalWidth = Math.max(...r.goals.map((g) => g.figure.length));
  return [
    `Endeavor Dispatch bench: node ${m.node}, ${m.platform}, ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB; redis ${m.redis} (AOF, appendfsync ${m.appendfsync})`,
    `load average ${m.loadAverage.before.map((n) => fixed(n, 2)).join(' ')} before, ${fixed(m.loadAverage.after, 2)} after (${m.cpus} cpus: above that, other work skews the figures)`,
    `service: ${s.service}; API_PROCESSES ${s.apiProcesses}, DELIVER_CONCURRENCY ${s.deliverConcurrency}, SMTP_POOL_SIZE ${s.smtpPoolSize}; ` +
      `directory: child's school + GP (direct) + ${s.areaOrgs} area organisations = ${s.recipientsPerEvent} deliveries per event; run ${fixed(r.totalSeconds, 0)} s`,
    '',
    ...rows.map(([name, value, detail]) => `${name.padEnd(width[0]!)}  ${value.padStart(width[1]!)}  ${detail}`.trimEnd()),
    '',
    'goals (issue 11):',
    ...r.goals.map((g) => `  ${g.met ? 'met    ' : 'not met'}  ${g.figure.padEnd(goalWidth)}  ${g.goal.padEnd(7)}  ${fixed(g.value, g.figure.includes('/ raw') ? 2 : 0)}`),
    '',
    `shutdown on SIGTERM (exit codes): ${Object.entries(r.shutdown).map(([role, code]) => `${role} ${code}`).join(', ')}`,
    `peak RSS (MiB): ${r.peakRss.map((p) => `${p.role} ${fixed(p.peakRssMiB, 0)}`).join(', ')}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env, os.availableParallelism());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let redisServer: RedisServerHandle | undefined;
  let sink: BenchSink | undefined;
  let loader: Loader | undefined;
  let admin: RedisClient | undefined;
  const services: ServiceProcess[] = [];
  const killServices = () => services.forEach((service) => service.kill());
  // An interrupted run still stops what it started; a closed stdout (`| head`) is not a crash.
  const interrupt = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    killServices();
    void (redisServer?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.stdout.on('error', () => undefined);
  const watchdog = setTimeout(() => {
    progress(`gave up after ${WATCHDOG_MS / 1000} s`);
    killServices();
    void (redisServer?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  const started = clock();
  const base = `bench_${Date.now().toString(36)}`;
  const organisations = directory(options.areaOrgs);
  const areaEmail = organisations[2]?.contacts[0]?.email ?? CHILD_SCHOOL.contacts[0]!.email;
  const stop = async (service: ServiceProcess) => {
    const code = await service.stop();
    services.splice(services.indexOf(service), 1);
    return code;
  };
  try {
    redisServer = await startRedisServer();
    admin = createRedis(redisServer.url, 'worker');
    await redisReady(admin);
    if (options.fsync !== 'always') await admin.config('SET', 'appendfsync', options.fsync);
    const { redisPid, ...machine } = await machineFacts(admin);
    sink = await startBenchSink({ capture: [CHILD_SCHOOL.contacts[0]!.email, areaEmail] });
    loader = await startLoader();
    progress(`redis ${redisServer.url}, SMTP sink ${sink.url}, load process ${loader.pid}, prefix ${base}_*`);
    const messageDomain = messageDomainOf(loadConfig(serviceEnv(redisServer.url, base, sink, options)).mailFrom);
    const peakRss: ProcessRss[] = [];
    const shutdown: Record<string, number | null> = {};

    // Intake alone: this stack has no workers, so its events stay accepted.
    const spawned = (service: ServiceProcess) => services.push(service);
    const intakeStack = await startStack(admin, redisServer.url, `${base}_intake`, sink, options, false, spawned);
    const intake = await intakePhase(intakeStack, loader, redisPid, options);
    peakRss.push(...intakeStack.api.peakRss().map((p) => ({ ...p, role: `intake ${p.role}` })));
    shutdown['intake api'] = await stop(intakeStack.api);

    const pipeline = await startStack(admin, redisServer.url, `${base}_pipeline`, sink, options, true, spawned);
    const endToEnd = await endToEndPhase(pipeline, loader, sink, options, organisations, messageDomain);
    const burst = await burstPhase(pipeline, loader, sink, options, organisations, messageDomain);
    const sustained = await sustainedPhase(pipeline, loader, sink, options, organisations.length);
    const { transportAlone, peakRssMiB: rawRss, ...raw } = await rawPhase(pipeline, sink, organisations.length, sustained.deliveries, areaEmail);
    peakRss.push(...pipeline.api.peakRss(), ...pipeline.workers!.peakRss(), { role: 'raw', pid: undefined, peakRssMiB: rawRss });
    peakRss.push({ role: 'load', pid: loader.pid, peakRssMiB: loader.peakRssMiB() });
    peakRss.push({ role: 'bench + SMTP sink', pid: process.pid, peakRssMiB: peakRssMiB(process.pid) });
    peakRss.push({ role: 'redis-server', pid: redisPid, peakRssMiB: peakRssMiB(redisPid) });
    shutdown.api = await stop(pipeline.api);
    shutdown.workers = await stop(pipeline.workers!);
    await pipeline.queues.close();
    await intakeStack.queues.close();
    machine.loadAverage.after = Math.round(os.loadavg()[0]! * 100) / 100;

    const withoutGoals: Omit<Report, 'goals'> = {
      machine,
      settings: { ...options, recipientsPerEvent: organisations.length, service: 'start:api + start:workers from the sources (node --import tsx)' },
      intake,
      endToEnd,
      burst,
      sustained,
      raw,
      transportAlone,
      ratio: sustained.deliveriesPerSecond / raw.sendsPerSecond,
      duplicates: sink.duplicates,
      shutdown,
      peakRss,
      totalSeconds: (clock() - started) / 1000,
    };
    const report: Report = { ...withoutGoals, goals: goals(withoutGoals) };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : table(report));
    const errors = intake.runs.reduce((n, run) => n + run.errors, intake.steady.errors) + endToEnd.errors + burst.errors;
    if (errors + endToEnd.missing + burst.missing + sink.duplicates > 0) {
      progress('some requests failed, deliveries went missing or were sent twice: the figures are suspect');
      process.exitCode = 1;
    }
  } finally {
    for (const service of [...services]) await stop(service).catch(() => undefined);
    await loader?.close().catch(() => undefined);
    admin?.disconnect();
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
