import type { Redis } from 'ioredis';

/**
 * Writes 64 KiB values until Redis (maxmemory, noeviction) refuses with OOM; returns the keys
 * written, for the test to delete when it frees the memory. Any other refusal is an error.
 */
export async function fillRedis(filler: Redis): Promise<string[]> {
  const keys: string[] = [];
  const chunk = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 10_000; i++) {
    try {
      await filler.set(`filler:${i}`, chunk);
      keys.push(`filler:${i}`);
    } catch (err) {
      if (!/^OOM command not allowed/.test((err as Error).message)) throw err;
      return keys;
    }
  }
  throw new Error('Redis never filled up');
}
