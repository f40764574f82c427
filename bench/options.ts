/**
 * Bench settings: a flag (`--events 500` or `--events=500`) wins over its environment
 * variable, which wins over the default. Defaults keep the run to about a minute on 2 cores.
 */
export type BenchOptions = {
  /** Events posted in the intake phase (after a short warm-up). */
  intakeEvents: number;
  /** Requests in flight in the intake phase. */
  concurrency: number;
  /** Events posted at a steady rate in the end-to-end phase. */
  e2eEvents: number;
  /** Events per second in the end-to-end phase. */
  e2eRate: number;
  /** Deliveries in the sustained phase (events x recipients) and sends in the raw phase. */
  backlog: number;
  /** Area organisations in the child's locality, besides the child's school and GP. */
  areaOrgs: number;
  /** Delivery worker concurrency, used by ours and by the raw ceiling alike. */
  deliverConcurrency: number;
  /** Redis AOF fsync policy: `always` is the test helper's (strictest), `everysec` docker-compose's. */
  fsync: 'always' | 'everysec';
  json: boolean;
};

type Spec = { flag: string; env: string; fallback: number; min: number; max: number };

const NUMERIC: Record<Exclude<keyof BenchOptions, 'json' | 'fsync'>, Spec> = {
  intakeEvents: { flag: 'events', env: 'BENCH_EVENTS', fallback: 2000, min: 1, max: 1_000_000 },
  concurrency: { flag: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: 16, min: 1, max: 1024 },
  e2eEvents: { flag: 'e2e-events', env: 'BENCH_E2E_EVENTS', fallback: 150, min: 1, max: 100_000 },
  e2eRate: { flag: 'e2e-rate', env: 'BENCH_E2E_RATE', fallback: 3, min: 1, max: 10_000 },
  backlog: { flag: 'backlog', env: 'BENCH_BACKLOG', fallback: 3000, min: 1, max: 1_000_000 },
  areaOrgs: { flag: 'area-orgs', env: 'BENCH_AREA_ORGS', fallback: 8, min: 0, max: 5000 },
  deliverConcurrency: { flag: 'deliver-concurrency', env: 'BENCH_DELIVER_CONCURRENCY', fallback: 10, min: 1, max: 1000 },
};

export const USAGE = `usage: npm run bench -- [--json] [--events N] [--concurrency N] [--e2e-events N] [--e2e-rate N/s]
                      [--backlog N] [--area-orgs N] [--deliver-concurrency N] [--fsync always|everysec]
environment: BENCH_EVENTS, BENCH_CONCURRENCY, BENCH_E2E_EVENTS, BENCH_E2E_RATE, BENCH_BACKLOG,
             BENCH_AREA_ORGS, BENCH_DELIVER_CONCURRENCY, BENCH_REDIS_FSYNC, LOG_LEVEL
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
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

  const known = new Set([...Object.values(NUMERIC).map((s) => s.flag), 'fsync']);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new UsageError(`unknown option --${flag}`);

  const numeric = Object.fromEntries(
    Object.entries(NUMERIC).map(([key, spec]) => {
      const raw = flags.get(spec.flag) ?? env[spec.env];
      if (raw === undefined || raw === '') return [key, spec.fallback];
      if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`--${spec.flag} (${spec.env}) must be a number`);
      const value = Number(raw);
      if (value < spec.min || value > spec.max) throw new UsageError(`--${spec.flag} (${spec.env}) must be within ${spec.min}..${spec.max}`);
      return [key, key === 'e2eRate' ? value : Math.floor(value)];
    }),
  ) as Record<keyof typeof NUMERIC, number>;

  const fsync = flags.get('fsync') ?? env.BENCH_REDIS_FSYNC ?? 'always';
  if (fsync !== 'always' && fsync !== 'everysec') throw new UsageError('--fsync (BENCH_REDIS_FSYNC) must be always or everysec');

  return { ...numeric, fsync, json };
}
