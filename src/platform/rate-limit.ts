import type { Redis } from 'ioredis';

/**
 * A fixed one-second window per subject, kept in Redis so that every API process
 * shares it. Returns the seconds to wait when over the limit, else 0.
 */
export async function takeRateToken(redis: Redis, prefix: string, subject: string, limitPerSecond: number, nowMs: number): Promise<number> {
  const second = Math.floor(nowMs / 1000);
  const key = `${prefix}:rate:${subject}:${second}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 2).exec()) as [[null, number], [null, number]];
  return count > limitPerSecond ? 1 : 0;
}
