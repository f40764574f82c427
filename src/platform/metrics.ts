import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { moduleLogger } from './logger';

const log = moduleLogger('metrics');

/*
 * Where the figures live (SPEC §12). The api and the workers may be separate processes, and
 * there may be several of each, but Prometheus scrapes /metrics on an api. So:
 *
 * - What happens in the pipeline (deliveries, their timings, acknowledgements, escalations,
 *   bounces) is counted in Redis hashes under QUEUE_PREFIX by whichever process observes it
 *   (HINCRBY), and read at scrape time: every api answers the same service-wide totals, and a
 *   worker restart loses nothing.
 * - What this process answered (intake statuses) and its own Redis failures are counted in
 *   memory with prom-client, with the process defaults: they must count even while Redis is
 *   down or full, when no Redis write can succeed. Prometheus tells processes apart by
 *   `instance`; sum over it.
 *
 * Label values are enums and feed ids from configuration only, never personal data.
 */

export const PIPELINE_COUNTERS = {
  endeavor_deliveries_total: { help: 'Deliveries that reached a status, by status, message kind and audience.', labels: ['status', 'kind', 'audience'] },
  endeavor_escalations_total: { help: 'Direct deliveries escalated for want of an acknowledgement.', labels: [] },
  endeavor_bounces_total: { help: 'Sent deliveries later reported bounced by a delivery status notification, by audience.', labels: ['audience'] },
  endeavor_acknowledgements_total: { help: 'Deliveries acknowledged by their recipient, by audience.', labels: ['audience'] },
  endeavor_worker_redis_unavailable_total: {
    help: 'Worker calls to Redis refused because it was unreachable (down) or full (oom), by queue; added once Redis takes writes again.',
    labels: ['reason', 'queue'],
  },
} as const satisfies Record<string, { help: string; labels: readonly string[] }>;

/** Seconds; from sub-second (a quiet system) to the school-day scale of acknowledgements. */
const FAST = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400];
const SLOW = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200];

export const PIPELINE_HISTOGRAMS = {
  endeavor_post_to_smtp_accepted_seconds: { help: 'Time from the POST of an event to the SMTP server accepting one of its messages, by audience.', labels: ['audience'], buckets: FAST },
  endeavor_sent_to_acknowledged_seconds: { help: 'Time from sending a direct message to its acknowledgement.', labels: [], buckets: SLOW },
} as const satisfies Record<string, { help: string; labels: readonly string[]; buckets: readonly number[] }>;

export type PipelineCounter = keyof typeof PIPELINE_COUNTERS;
export type PipelineHistogram = keyof typeof PIPELINE_HISTOGRAMS;
type Labels = Record<string, string>;

const counterKey = (prefix: string, name: string) => `${prefix}:metrics:${name}`;
const field = (labelNames: readonly string[], labels: Labels) => labelNames.map((l) => labels[l] ?? '').join('|');

/** Records pipeline figures in Redis. A failed write is logged, never thrown: figures must not stop a delivery. */
export type PipelineMetrics = {
  count(name: PipelineCounter, labels?: Labels, by?: number): Promise<void>;
  observe(name: PipelineHistogram, labels: Labels, seconds: number): Promise<void>;
  /**
   * Queues the same writes in the caller's pipeline, so they travel with the caller's own
   * write (the send path records `sent` and its figures in one trip). Optional: without it,
   * callers fall back to count and observe.
   */
  queue?(pipeline: ChainableCommander, writes: readonly MetricWrite[]): void;
};

export type MetricWrite =
  | { count: PipelineCounter; labels?: Labels; by?: number }
  | { observe: PipelineHistogram; labels: Labels; seconds: number };

/** The HINCRBYs of one write, into the same hashes and fields count and observe use. */
function queueWrite(pipeline: ChainableCommander, prefix: string, write: MetricWrite): ChainableCommander {
  if ('count' in write) return pipeline.hincrby(counterKey(prefix, write.count), field(PIPELINE_COUNTERS[write.count].labels, write.labels ?? {}), write.by ?? 1);
  const spec = PIPELINE_HISTOGRAMS[write.observe];
  const base = field(spec.labels, write.labels);
  const bucket = spec.buckets.find((le) => write.seconds <= le);
  const key = counterKey(prefix, write.observe);
  return pipeline
    .hincrby(key, `${base}|le=${bucket ?? '+Inf'}`, 1)
    .hincrby(key, `${base}|count`, 1)
    .hincrbyfloat(key, `${base}|sum`, Math.max(0, write.seconds));
}

export function pipelineMetrics(redis: RedisClient, prefix: string): PipelineMetrics {
  const swallow = (name: string) => (err: Error) => log.warn({ metric: name, error: err.message }, 'metric not recorded');
  return {
    async count(name, labels = {}, by = 1) {
      await redis.hincrby(counterKey(prefix, name), field(PIPELINE_COUNTERS[name].labels, labels), by).catch(swallow(name));
    },
    async observe(name, labels, seconds) {
      await queueWrite(redis.multi(), prefix, { observe: name, labels, seconds })
        .exec()
        .catch(swallow(name));
    },
    queue(pipeline, writes) {
      for (const write of writes) queueWrite(pipeline, prefix, write);
    },
  };
}

/** Metrics that do nothing: for code paths started without a Redis to count in (unit tests). */
export const noMetrics: PipelineMetrics = { count: async () => undefined, observe: async () => undefined };

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: [string, string][]) =>
  labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;

/** A gauge sample computed at scrape time (queue depths, backlog age, live workers). */
export type GaugeSample = { name: string; help: string; labels: Labels; value: number };

/** Prometheus text of the Redis-held pipeline figures. */
export async function renderPipelineMetrics(redis: RedisClient, prefix: string): Promise<string> {
  const names = [...Object.keys(PIPELINE_COUNTERS), ...Object.keys(PIPELINE_HISTOGRAMS)];
  const pipeline = redis.pipeline();
  for (const name of names) pipeline.hgetall(counterKey(prefix, name));
  const results = (await pipeline.exec()) ?? [];
  const stored = new Map(names.map((name, i) => [name, (results[i]?.[1] ?? {}) as Record<string, string>]));
  const out: string[] = [];

  for (const [name, spec] of Object.entries(PIPELINE_COUNTERS)) {
    out.push(`# HELP ${name} ${spec.help}`, `# TYPE ${name} counter`);
    for (const [f, v] of Object.entries(stored.get(name)!)) {
      const values = f.split('|');
      out.push(`${name}${labelText(spec.labels.map((l, i) => [l, values[i] ?? '']))} ${Number(v)}`);
    }
  }
  for (const [name, spec] of Object.entries(PIPELINE_HISTOGRAMS)) {
    out.push(`# HELP ${name} ${spec.help}`, `# TYPE ${name} histogram`);
    const series = new Map<string, Record<string, number>>();
    for (const [f, v] of Object.entries(stored.get(name)!)) {
      const cut = f.lastIndexOf('|');
      const base = f.slice(0, cut);
      const entry = series.get(base) ?? {};
      entry[f.slice(cut + 1)] = Number(v);
      series.set(base, entry);
    }
    for (const [base, entry] of series) {
      const labels: [string, string][] = spec.labels.length === 0 ? [] : spec.labels.map((l, i) => [l, base.split('|')[i] ?? '']);
      let cumulative = 0;
      for (const le of [...spec.buckets.map(String), '+Inf']) {
        cumulative += entry[`le=${le}`] ?? 0;
        out.push(`${name}_bucket${labelText([...labels, ['le', le]])} ${cumulative}`);
      }
      out.push(`${name}_sum${labelText(labels)} ${entry.sum ?? 0}`, `${name}_count${labelText(labels)} ${entry.count ?? 0}`);
    }
  }
  return out.join('\n') + '\n';
}

/**
 * A pipeline counter for what happens while Redis cannot take writes (a worker's Redis
 * failures): counted in memory, and added to the Redis counter by `flush` once a write
 * succeeds again. Nothing is lost while the process lives.
 */
export function deferredCounter(redis: RedisClient, prefix: string, name: PipelineCounter) {
  const pending = new Map<string, number>();
  return {
    add(labels: Labels): void {
      const f = field(PIPELINE_COUNTERS[name].labels, labels);
      pending.set(f, (pending.get(f) ?? 0) + 1);
    },
    /** Writes what is pending; stops at the first refusal and keeps the rest for the next call. */
    async flush(): Promise<void> {
      for (const [f, n] of [...pending]) {
        try {
          await redis.hincrby(counterKey(prefix, name), f, n);
        } catch {
          return;
        }
        const left = (pending.get(f) ?? n) - n;
        if (left > 0) pending.set(f, left);
        else pending.delete(f);
      }
    },
  };
}

/** Prometheus text of gauges computed at scrape time, grouped by name. */
export function renderGauges(samples: GaugeSample[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const sample of samples) {
    if (!seen.has(sample.name)) {
      seen.add(sample.name);
      out.push(`# HELP ${sample.name} ${sample.help}`, `# TYPE ${sample.name} gauge`);
    }
    out.push(`${sample.name}${labelText(Object.entries(sample.labels))} ${sample.value}`);
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

/** This process's own figures: intake answers, Redis failures and the prom-client defaults. */
export type ProcessMetrics = {
  registry: Registry;
  intakeResponse(feed: string, status: number): void;
  redisUnavailable(reason: 'down' | 'oom', side: 'api' | 'workers'): void;
};

export function processMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const intake = new Counter({
    name: 'endeavor_intake_responses_total',
    help: 'Answers to POST /api/v1/events by this process, by feed id ("none" when unauthenticated) and HTTP status.',
    labelNames: ['feed', 'status'],
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'endeavor_redis_unavailable_total',
    help: 'Redis commands refused because Redis was unreachable (down) or full (oom), by this process.',
    labelNames: ['reason', 'side'],
    registers: [registry],
  });
  return {
    registry,
    intakeResponse: (feed, status) => intake.inc({ feed, status: String(status) }),
    redisUnavailable: (reason, side) => redisErrors.inc({ reason, side }),
  };
}

/** Every metric name the service exports (the alert rules' test checks against it). */
export const EXPORTED_METRIC_NAMES = [
  ...Object.keys(PIPELINE_COUNTERS),
  ...Object.keys(PIPELINE_HISTOGRAMS).flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]),
  'endeavor_intake_responses_total',
  'endeavor_redis_unavailable_total',
];
