import { writeFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { redisReachable } from './redis';

/**
 * For a process with no HTTP port (the workers): rewrites `path` every few seconds while Redis
 * answers, so a container health check can test the file's age. A stuck process or a lost
 * Redis lets the file go stale. Returns a function that stops it.
 */
export function touchWhileHealthy(path: string, redis: Redis, everyMs = 5000): () => void {
  const touch = async () => {
    if (await redisReachable(redis)) await writeFile(path, `${Date.now()}\n`).catch(() => undefined);
  };
  void touch();
  const timer = setInterval(() => void touch(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
