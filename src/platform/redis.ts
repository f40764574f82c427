import { Redis, type RedisOptions } from 'ioredis';
import { moduleLogger } from './logger';

const log = moduleLogger('redis');

/** Why Redis cannot take work: away (unreachable, loading, failing over) or full (maxmemory reached). */
export type RedisUnavailableReason = 'down' | 'oom';

/** A Redis command failed because Redis is unreachable, too slow or full: the caller should retry later. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  constructor(
    message: string,
    readonly reason: RedisUnavailableReason = 'down',
  ) {
    super(message);
  }
}

/**
 * `request` connections serve HTTP requests and must fail fast while Redis is away
 * (no offline queue, one retry), so intake can answer 503 instead of hanging.
 * `worker` connections wait for Redis to come back: BullMQ requires
 * maxRetriesPerRequest null for its blocking commands.
 */
export function createRedis(url: string, role: 'request' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'request'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 100, 1000) }
      : { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 200, 2000) };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  redis.on('error', (err: NodeJS.ErrnoException) => log.warn({ role, code: err.code }, 'redis connection error'));
  return redis;
}

/*
 * A full Redis (maxmemory with noeviction) refuses writes with "OOM command not allowed…",
 * also from inside a script ("…script: …"): like an outage, it passes once memory is freed,
 * so callers answer 503 and workers retry. Reads still work, which is why it is told apart.
 */
const OUT_OF_MEMORY = /OOM command not allowed/;

/** True for Redis's out-of-memory refusal. */
export const isOutOfMemory = (err: unknown): boolean =>
  (err instanceof RedisUnavailableError && err.reason === 'oom') ||
  (err instanceof Error &&
    (OUT_OF_MEMORY.test(err.message) ||
      // A MULTI whose queued command was refused fails as EXECABORT, carrying the refusals.
      ((err as { previousErrors?: unknown[] }).previousErrors ?? []).some((e) => e instanceof Error && OUT_OF_MEMORY.test(e.message))));

const UNAVAILABLE =
  /Stream isn't writeable|Connection is closed|connect ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|^LOADING|^READONLY|^MASTERDOWN|^CLUSTERDOWN|^TRYAGAIN|max retries per request/i;

/** True for the errors that mean "Redis is away", as opposed to a bug in a command. */
export const isUnavailable = (err: unknown): boolean =>
  err instanceof RedisUnavailableError ||
  isOutOfMemory(err) ||
  (err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(err.message)));

/**
 * Runs Redis work with a time limit, turning connection failures and time-outs into
 * RedisUnavailableError; any other error (a bug) passes through unchanged.
 */
export async function withRedis<T>(work: () => Promise<T>, timeoutMs = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError('redis timed out')), timeoutMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (err) {
    if (isUnavailable(err) && !(err instanceof RedisUnavailableError)) {
      throw new RedisUnavailableError((err as Error).message, isOutOfMemory(err) ? 'oom' : 'down');
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** True when Redis answers PING in time. */
export async function redisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await withRedis(() => redis.ping(), 1000)) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * Redis's state for readiness: `down` when PING fails, `oom` when it answers but refuses a
 * write for want of memory (a tiny expiring probe key), else `ok`.
 */
export async function redisHealth(redis: Redis, prefix: string): Promise<'ok' | 'down' | 'oom'> {
  if (!(await redisReachable(redis))) return 'down';
  try {
    await withRedis(() => redis.set(`${prefix}:readyz:probe`, '1', 'PX', 5000), 1000);
    return 'ok';
  } catch (err) {
    return isOutOfMemory(err) ? 'oom' : 'down';
  }
}

/** Resolves once the connection is ready: BullMQ checks the server version on creation. */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisUnavailableError('redis did not become ready')), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
