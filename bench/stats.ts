/** Nearest-rank percentile of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export type Spread = { count: number; p50: number; p99: number; max: number };

export function spread(samples: readonly number[]): Spread {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length === 0 ? Number.NaN : samples.reduce((a, b) => Math.max(a, b)),
  };
}

/** Completions per second between the first and the last completion time (ms). */
export function ratePerSecond(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const first = times.reduce((a, b) => Math.min(a, b));
  const last = times.reduce((a, b) => Math.max(a, b));
  return last > first ? ((times.length - 1) * 1000) / (last - first) : Number.NaN;
}
