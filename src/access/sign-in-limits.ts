import { createHash } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import { defineScripts } from '../platform/scripts';

/** SPEC §8: ten sign-in attempts per account and ten per client address… */
export const SIGN_IN_LIMIT = 10;
/** …within 15 minutes (a fixed window from the first attempt counted). */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Answers 0 and counts the attempt against both the account and the address when both are
 * under the limit, else the milliseconds until the fuller one's window ends, counting nothing.
 * One script, so 40 parallel attempts cannot all read "9" before any of them writes: exactly
 * `limit` of them are let through to the password check.
 */
const TAKE = `
local limit = tonumber(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      redis.call('EXPIRE', KEYS[i], ARGV[2])
      ttl = tonumber(ARGV[2]) * 1000
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2]) end
end
return 0
`;

/** Gives back one counted attempt (a sign-in that succeeded); never below zero, never a reset. */
const REFUND = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

/** Keys hold digests: no email or address in Redis key names. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);

/**
 * Sign-in attempts counted BEFORE the password is checked (SPEC §8), per account (normalised
 * email) and per client address (`req.ip`). Every attempt counts until it has succeeded; a
 * success gives back only its own attempt, on both counters. So failures accumulate whatever
 * else happens: an attacker who owns one account cannot reset the address counter by signing
 * in to it between guesses at others (password spraying), and a user who finally types the
 * right password is not locked out by the attempts that succeeded.
 */
export function signInLimits(redis: RedisClient, prefix: string, { limit = SIGN_IN_LIMIT, windowSeconds = SIGN_IN_WINDOW_SECONDS } = {}) {
  const keys = (subject: { email: string; address: string }) => [
    `${prefix}:sign-in:account:${digest(subject.email.trim().toLowerCase())}`,
    `${prefix}:sign-in:address:${digest(subject.address)}`,
  ];
  const scripts = defineScripts(redis, { signInTake: { numberOfKeys: 2, lua: TAKE }, signInRefund: { numberOfKeys: 2, lua: REFUND } });
  return {
    /** 0 when this attempt may go on to the password check (and is now counted), else the seconds to wait. */
    async take(subject: { email: string; address: string }): Promise<number> {
      const waitMs = (await scripts.run('signInTake', keys(subject), [limit, windowSeconds])) as number;
      return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
    },
    async refund(subject: { email: string; address: string }): Promise<void> {
      await scripts.run('signInRefund', keys(subject), []);
    },
  };
}

export type SignInLimits = ReturnType<typeof signInLimits>;
