/**
 * Bench settings: a flag (`--events 500` or `--events=500`) wins over its environment
 * variables (the bench's own, then the service's where there is one), which win over the
 * default. Defaults keep the run under about three minutes on 2 cores.
 */
export type BenchOptions = {
  /** Events posted at each intake concurrency (after a warm-up). */
  intakeEvents: number;
  /** Requests in flight in the intake saturation runs, one run per value. */
  concurrency: number[];
  /** Events per second of the steady intake run, and how long it lasts. */
  steadyRate: number;
  steadySeconds: number;
  /** Events posted at a steady rate in the end-to-end phase. */
  e2eEvents: number;
  /** Events per second in the end-to-end phase. */
  e2eRate: number;
  /** Events posted at once in the burst phase. */
  burstEvents: number;
  /** Deliveries in the sustained phase (events x recipients) and sends in the raw phase. */
  backlog: number;
  /** Area organisations in the child's locality, besides the child's school and GP. */
  areaOrgs: number;
  /** API processes of `start:api` (API_PROCESSES). */
  apiProcesses: number;
  /** Delivery worker concurrency (DELIVER_CONCURRENCY), used by ours and by the raw ceiling alike. */
  deliverConcurrency: number;
  /** SMTP connections per workers process (SMTP_POOL_SIZE), ours and the raw ceiling's alike. */
  smtpPoolSize: number;
  /** Redis AOF fsync policy: `always` is the test helper's (strictest), `everysec` docker-compose's. */
  fsync: 'always' | 'everysec';
  json: boolean;
};

type Spec = { flag: string; env: string[]; fallback: number; min: number; max: number };

type NumericKey = Exclude<keyof BenchOptions, 'json' | 'fsync' | 'concurrency'>;

const numericSpecs = (cpus: number): Record<NumericKey, Spec> => ({
  intakeEvents: { flag: 'events', env: ['BENCH_EVENTS'], fallback: 3000, min: 1, max: 1_000_000 },
  steadyRate: { flag: 'steady-rate', env: ['BENCH_STEADY_RATE'], fallback: 200, min: 1, max: 100_000 },
  steadySeconds: { flag: 'steady-seconds', env: ['BENCH_STEADY_SECONDS'], fallback: 8, min: 1, max: 3600 },
  e2eEvents: { flag: 'e2e-events', env: ['BENCH_E2E_EVENTS'], fallback: 100, min: 1, max: 100_000 },
  e2eRate: { flag: 'e2e-rate', env: ['BENCH_E2E_RATE'], fallback: 10, min: 1, max: 10_000 },
  burstEvents: { flag: 'burst-events', env: ['BENCH_BURST_EVENTS'], fallback: 100, min: 1, max: 100_000 },
  backlog: { flag: 'backlog', env: ['BENCH_BACKLOG'], fallback: 4000, min: 1, max: 1_000_000 },
  areaOrgs: { flag: 'area-orgs', env: ['BENCH_AREA_ORGS'], fallback: 38, min: 0, max: 5000 },
  apiProcesses: { flag: 'api-processes', env: ['BENCH_API_PROCESSES', 'API_PROCESSES'], fallback: cpus, min: 1, max: 256 },
  deliverConcurrency: { flag: 'deliver-concurrency', env: ['BENCH_DELIVER_CONCURRENCY', 'DELIVER_CONCURRENCY'], fallback: 10, min: 1, max: 1000 },
  smtpPoolSize: { flag: 'smtp-pool-size', env: ['BENCH_SMTP_POOL_SIZE', 'SMTP_POOL_SIZE'], fallback: 5, min: 1, max: 100 },
});

export const USAGE = `usage: npm run bench -- [--json] [--events N] [--concurrency N[,N…]] [--steady-rate N/s] [--steady-seconds N]
                      [--e2e-events N] [--e2e-rate N/s] [--burst-events N] [--backlog N] [--area-orgs N]
                      [--api-processes N] [--deliver-concurrency N] [--smtp-pool-size N] [--fsync always|everysec]
environment: BENCH_EVENTS, BENCH_CONCURRENCY, BENCH_STEADY_RATE, BENCH_STEADY_SECONDS, BENCH_E2E_EVENTS,
             BENCH_E2E_RATE, BENCH_BURST_EVENTS, BENCH_BACKLOG, BENCH_AREA_ORGS, BENCH_REDIS_FSYNC, LOG_LEVEL;
             API_PROCESSES, DELIVER_CONCURRENCY, SMTP_POOL_SIZE (or BENCH_ before each)
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>, cpus: number): BenchOptions {
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value`);
    flags.set(match[1]!, value);
  }

  const specs = numericSpecs(cpus);
  const known = new Set([...Object.values(specs).map((s) => s.flag), 'fsync', 'concurrency']);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new UsageError(`unknown option --${flag}`);

  const given = (flag: string, names: string[]) => flags.get(flag) ?? names.map((name) => env[name]).find((v) => v !== undefined && v !== '');
  const number = (raw: string, spec: Pick<Spec, 'flag' | 'env' | 'min' | 'max'>, whole: boolean) => {
    const label = `--${spec.flag} (${spec.env.join(', ')})`;
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`${label} must be a number`);
    const value = Number(raw);
    if (value < spec.min || value > spec.max) throw new UsageError(`${label} must be within ${spec.min}..${spec.max}`);
    return whole ? Math.floor(value) : value;
  };

  const numeric = Object.fromEntries(
    Object.entries(specs).map(([key, spec]) => {
      const raw = given(spec.flag, spec.env);
      return [key, raw === undefined ? spec.fallback : number(raw, spec, !key.endsWith('Rate'))];
    }),
  ) as Record<NumericKey, number>;

  const concurrencySpec = { flag: 'concurrency', env: ['BENCH_CONCURRENCY'], min: 1, max: 1024 };
  const concurrencyRaw = given('concurrency', concurrencySpec.env) ?? '16,64';
  const concurrency = concurrencyRaw.split(',').map((part) => number(part.trim(), concurrencySpec, true));

  const fsync = flags.get('fsync') ?? env.BENCH_REDIS_FSYNC ?? 'always';
  if (fsync !== 'always' && fsync !== 'everysec') throw new UsageError('--fsync (BENCH_REDIS_FSYNC) must be always or everysec');

  return { ...numeric, concurrency, fsync, json };
}
