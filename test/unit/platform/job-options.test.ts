import { describe, expect, it } from 'vitest';
import { jobOptions } from '../../../src/platform/job-options';

const DAY = 24 * 3600;

describe('job options', () => {
  it('keeps failed fan-out jobs 30 days and retries them 12 times', () => {
    expect(jobOptions.fanout('fo-x')).toMatchObject({ jobId: 'fo-x', attempts: 12, removeOnFail: { age: 30 * DAY } });
  });

  it('gives a delivery job its delivery id, priority and RETRY_ATTEMPTS, with the worker’s capped backoff', () => {
    expect(jobOptions.deliver('dl_1', 2, 20)).toMatchObject({ jobId: 'dl_1', priority: 2, attempts: 20, backoff: { type: 'capped' } });
  });

  it('puts notices before every delivery (priority 1) and keeps their failures 30 days', () => {
    expect(jobOptions.notice('ne-dl_1', 250)).toMatchObject({ jobId: 'ne-dl_1', delay: 250, priority: 1, removeOnFail: { age: 30 * DAY } });
  });

  it('keeps failed jobs at least as long as completed ones, for every kind', () => {
    const ageOf = (keep: unknown) => (typeof keep === 'object' && keep !== null ? (keep as { age: number }).age : Number.POSITIVE_INFINITY);
    for (const options of [jobOptions.fanout('a'), jobOptions.refill('b'), jobOptions.deliver('c', 1, 3), jobOptions.notice('d', 0)]) {
      expect(ageOf(options.removeOnFail)).toBeGreaterThanOrEqual(ageOf(options.removeOnComplete));
    }
  });
});
