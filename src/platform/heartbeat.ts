import type { RedisClient } from './redis';

const ALIVE_MS = 15_000;
const key = (prefix: string) => `${prefix}:workers:heartbeat`;

/** Records that a worker process is alive; call every few seconds. */
export async function beat(redis: RedisClient, prefix: string, workerId: string, nowMs: number): Promise<void> {
  await redis.multi().zadd(key(prefix), nowMs, workerId).zremrangebyscore(key(prefix), '-inf', nowMs - 10 * ALIVE_MS).exec();
}

export async function stopBeating(redis: RedisClient, prefix: string, workerId: string): Promise<void> {
  await redis.zrem(key(prefix), workerId);
}

/** How many worker processes beat within the last 15 seconds. */
export async function workersAlive(redis: RedisClient, prefix: string, nowMs: number): Promise<number> {
  return redis.zcount(key(prefix), nowMs - ALIVE_MS, '+inf');
}
