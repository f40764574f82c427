import { ReplyError } from 'ioredis';
import { isOutOfMemory, RedisUnavailableError, type RedisClient } from './redis';
import { defineScripts, type Scripts } from './scripts';

/**
 * Counts one request in a window's key and answers the count; the key expires after ARGV[1]
 * seconds. One script (one EVALSHA) per request: intake calls it for every event, and a
 * MULTI pipeline cost several times as much on the client.
 */
const COUNT_IN_WINDOW = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;

const defined = new WeakMap<RedisClient, Scripts<'rateCountInWindow'>>();
const scriptsOf = (redis: RedisClient) => {
  let scripts = defined.get(redis);
  if (!scripts) {
    scripts = defineScripts(redis, { rateCountInWindow: { numberOfKeys: 1, lua: COUNT_IN_WINDOW } });
    defined.set(redis, scripts);
  }
  return scripts;
};

/** The request's count in its window; a refusal by Redis (such as OOM) means "Redis cannot take work". */
async function countInWindow(redis: RedisClient, key: string, expireSeconds: number): Promise<number> {
  try {
    return (await scriptsOf(redis).run('rateCountInWindow', [key], [expireSeconds])) as number;
  } catch (err) {
    if (err instanceof ReplyError) throw new RedisUnavailableError((err as Error).message, isOutOfMemory(err) ? 'oom' : 'down');
    throw err;
  }
}

/**
 * A fixed one-second window per subject, kept in Redis so that every API process
 * shares it. Returns the seconds to wait when over the limit, else 0.
 */
export async function takeRateToken(redis: RedisClient, prefix: string, subject: string, limitPerSecond: number, nowMs: number): Promise<number> {
  const second = Math.floor(nowMs / 1000);
  const count = await countInWindow(redis, `${prefix}:rate:${subject}:${second}`, 2);
  return count > limitPerSecond ? 1 : 0;
}

/**
 * Counts one request against a fixed window per subject, atomically (INCR and EXPIRE in one
 * script, shared by every process). Returns the seconds until the window ends when this
 * request is over `limit`, else 0.
 */
export async function takeWindowToken(
  redis: RedisClient,
  prefix: string,
  name: string,
  subject: string,
  { limit, windowSeconds }: { limit: number; windowSeconds: number },
  nowMs: number,
): Promise<number> {
  const window = Math.floor(nowMs / 1000 / windowSeconds);
  const count = await countInWindow(redis, `${prefix}:rate:${name}:${subject}:${window}`, windowSeconds * 2);
  if (count <= limit) return 0;
  return Math.max(1, (window + 1) * windowSeconds - Math.floor(nowMs / 1000));
}
