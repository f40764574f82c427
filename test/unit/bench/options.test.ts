import { describe, expect, it } from 'vitest';
import { UsageError, parseOptions } from '../../../bench/options';
import { percentile, ratePerSecond } from '../../../bench/stats';

describe('bench options', () => {
  it('measures what issue 11 names by default: 40 recipients, 10 events/s, a burst of 100, 200/s steady, every CPU', () => {
    expect(parseOptions([], {}, 2)).toMatchObject({
      concurrency: [16, 64],
      steadyRate: 200,
      e2eRate: 10,
      burstEvents: 100,
      areaOrgs: 38,
      apiProcesses: 2,
      deliverConcurrency: 10,
      smtpPoolSize: 5,
      fsync: 'always',
      json: false,
    });
  });

  it('takes the service\'s own variables, a BENCH_ one before them, and a flag before both', () => {
    const env = { DELIVER_CONCURRENCY: '20', SMTP_POOL_SIZE: '8', API_PROCESSES: '3' };
    expect(parseOptions([], env, 2)).toMatchObject({ deliverConcurrency: 20, smtpPoolSize: 8, apiProcesses: 3 });
    expect(parseOptions([], { ...env, BENCH_DELIVER_CONCURRENCY: '30' }, 2).deliverConcurrency).toBe(30);
    expect(parseOptions(['--deliver-concurrency', '40', '--api-processes=1'], { ...env, BENCH_DELIVER_CONCURRENCY: '30' }, 2)).toMatchObject({
      deliverConcurrency: 40,
      apiProcesses: 1,
    });
  });

  it('reads a list of intake concurrencies and --json', () => {
    expect(parseOptions(['--concurrency', '8, 32', '--json'], {}, 2)).toMatchObject({ concurrency: [8, 32], json: true });
  });

  it.each([[['--concurrency', '0']], [['--e2e-rate', 'fast']], [['--smtp-pool-size', '101']], [['--unknown', '1']], [['--backlog']], [['stray']], [['--fsync', 'never']]])(
    'refuses %j with a usage error',
    (argv) => {
      expect(() => parseOptions(argv, {}, 2)).toThrow(UsageError);
    },
  );
});

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });

  it('counts completions per second between the first and the last', () => {
    expect(ratePerSecond([1000, 1500, 2000])).toBe(2);
    expect(ratePerSecond([1000])).toBeNaN();
  });
});
