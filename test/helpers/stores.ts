import { inject } from 'vitest';
import { createRedis, redisReady, type RedisClient } from '../../src/platform/redis';
import { createStores, type Stores } from '../../src/stores';
import { uniqueId } from './factories';

export type PrivateStores = { redis: RedisClient; prefix: string; stores: Stores; close(): Promise<void> };

/** Every stage's store over the run's Redis under a fresh prefix, for tests that need no app; `close` deletes what they wrote. */
export async function privateStores(name: string): Promise<PrivateStores> {
  const redis = createRedis(inject('redisUrl'), 'request');
  await redisReady(redis);
  const prefix = uniqueId(name).replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    redis,
    prefix,
    stores: createStores(redis, prefix),
    async close() {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
