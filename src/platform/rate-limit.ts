import type { Redis } from 'ioredis';
import { isOutOfMemory, RedisUnavailableError } from './redis';

/**
 * A fixed one-second window per subject, kept in Redis so that every API process
 * shares it. Returns the seconds to wait when over the limit, else 0.
 */
export async function takeRateToken(redis: Redis, prefix: string, subject: string, limitPerSecond: number, nowMs: number): Promise<number> {
  const second = Math.floor(nowMs / 1000);
  const key = `${prefix}:rate:${subject}:${second}`;
  const results = await redis.multi().incr(key).expire(key, 2).exec();
  // exec() answers null, or an EXECABORT, when the connection dropped under the transaction.
  const [error, count] = results?.[0] ?? [new Error('transaction aborted'), 0];
  if (error) throw new RedisUnavailableError(error.message, isOutOfMemory(error) ? 'oom' : 'down');
  return (count as number) > limitPerSecond ? 1 : 0;
}

/**
 * Counts failures (such as wrong passwords) per subject rather than requests. The count is
 * that of the current window plus the one before, so a burst astride a window boundary is
 * still caught: once `limit` failures fall within the last one to two windows, `retryAfter`
 * answers the seconds until they no longer do, and every attempt waits, right or wrong.
 */
export function failureWindow(redis: Redis, prefix: string, name: string, { limit, windowSeconds }: { limit: number; windowSeconds: number }) {
  const window = (nowMs: number) => Math.floor(nowMs / 1000 / windowSeconds);
  const key = (subject: string, n: number) => `${prefix}:rate:${name}:${subject}:${n}`;
  return {
    /** Seconds to wait when the subject is over the limit, else 0. */
    async retryAfter(subject: string, nowMs: number): Promise<number> {
      const current = window(nowMs);
      const [before, now] = (await redis.mget(key(subject, current - 1), key(subject, current))).map((v) => Number(v ?? 0)) as [number, number];
      if (before + now < limit) return 0;
      const leftInWindow = (current + 1) * windowSeconds - Math.floor(nowMs / 1000);
      // Failures of this window keep counting through the next one as well.
      return now >= limit ? leftInWindow + windowSeconds : leftInWindow;
    },
    async record(subject: string, nowMs: number): Promise<void> {
      const k = key(subject, window(nowMs));
      await redis.multi().incr(k).expire(k, windowSeconds * 2).exec();
    },
  };
}

/**
 * Counts one request against a fixed window per subject, atomically (INCR and EXPIRE in one
 * transaction, shared by every process). Returns the seconds until the window ends when this
 * request is over `limit`, else 0.
 */
export async function takeWindowToken(
  redis: Redis,
  prefix: string,
  name: string,
  subject: string,
  { limit, windowSeconds }: { limit: number; windowSeconds: number },
  nowMs: number,
): Promise<number> {
  const window = Math.floor(nowMs / 1000 / windowSeconds);
  const key = `${prefix}:rate:${name}:${subject}:${window}`;
  const results = await redis.multi().incr(key).expire(key, windowSeconds * 2).exec();
  const [error, count] = results?.[0] ?? [new Error('transaction aborted'), 0];
  if (error) throw new RedisUnavailableError(error.message);
  if ((count as number) <= limit) return 0;
  return Math.max(1, (window + 1) * windowSeconds - Math.floor(nowMs / 1000));
}
