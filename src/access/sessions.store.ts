import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import { defineScripts } from '../platform/scripts';
import type { Role } from './users.store';

export type Session = {
  userId: string;
  email: string;
  role: Role;
  /** For the dashboard's HTML forms (SPEC §11); the JSON API relies on its content types instead. */
  csrfToken: string;
  createdAt: string;
  /**
   * `enrol`: the password was right but strict mode wants TOTP and the user has none yet; such
   * a session reaches only the enrolment step (SPEC §8).
   */
  stage?: 'enrol';
};

/** A session ends after 12 hours without a request… */
export const SESSION_IDLE_SECONDS = 12 * 3600;
/** …and after 24 hours whatever happens, so a stolen cookie does not live for ever by being used. */
export const SESSION_MAX_SECONDS = 24 * 3600;

/** 32 random bytes, base64url: what the cookie carries. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

/**
 * Starts a session only while the user record says the user is active with this role, and
 * indexes it under the user in the same step: a deactivation or role change that ends the
 * user's indexed sessions cannot miss one being created at that moment.
 */
const CREATE = `
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
local user = cjson.decode(json)
if user.active == false or user.role ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return 1
`;

/** Ends every indexed session of a user but ARGV[2] (a digest, or ''); answers how many. */
const END_ALL = `
local ended = 0
for _, d in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if d ~= ARGV[2] then
    ended = ended + redis.call('DEL', ARGV[1] .. d)
    redis.call('SREM', KEYS[1], d)
  end
end
return ended
`;

/**
 * Dashboard sessions. Redis holds only sha256(token), so a copy of the database (a backup, a
 * MONITOR) yields no usable cookie; the token itself exists only in the user's browser. Each
 * user's sessions are indexed (`user-sessions:<userId>`) so that they can all be ended at once.
 */
export function createSessionStore(redis: RedisClient, prefix: string) {
  const key = (token: string) => `${prefix}:session:${digest(token)}`;
  const index = (userId: string) => `${prefix}:user-sessions:${userId}`;

  const scripts = defineScripts(redis, { sessionCreate: { numberOfKeys: 3, lua: CREATE }, sessionEndAll: { numberOfKeys: 1, lua: END_ALL } });

  const store = {
    /**
     * A new session for the user, whose record lives at `userKey`; undefined when that record
     * no longer says active with this role (deactivated or changed meanwhile).
     */
    async create(user: { id: string; email: string; role: Role }, userKey: string, now: Date, stage?: 'enrol'): Promise<{ token: string; session: Session } | undefined> {
      const token = randomToken();
      const session: Session = { userId: user.id, email: user.email, role: user.role, csrfToken: randomToken(), createdAt: now.toISOString(), ...(stage ? { stage } : {}) };
      const created = await scripts.run('sessionCreate', [userKey, key(token), index(user.id)], [JSON.stringify(session), SESSION_IDLE_SECONDS, user.role, digest(token), SESSION_MAX_SECONDS]);
      return created === 1 ? { token, session } : undefined;
    },

    /** The live session for a token, sliding its idle expiry; undefined when unknown, idle too long, too old or from before user ids. */
    async get(token: string, now: Date): Promise<Session | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const json = await redis.get(key(token));
      if (!json) return undefined;
      const session = JSON.parse(json) as Session;
      const left = Math.floor((Date.parse(session.createdAt) + SESSION_MAX_SECONDS * 1000 - now.getTime()) / 1000);
      if (left <= 0 || typeof session.userId !== 'string') {
        await redis.del(key(token));
        return undefined;
      }
      await redis.expire(key(token), Math.min(SESSION_IDLE_SECONDS, left));
      return session;
    },

    async delete(token: string): Promise<void> {
      if (!TOKEN.test(token)) return;
      const json = await redis.get(key(token));
      await redis.del(key(token));
      const userId = json ? (JSON.parse(json) as Partial<Session>).userId : undefined;
      if (userId) await redis.srem(index(userId), digest(token));
    },

    /** Ends all of a user's sessions, or all but the one with `exceptToken`; answers how many ended. */
    async endAll(userId: string, exceptToken?: string): Promise<number> {
      return (await scripts.run('sessionEndAll', [index(userId)], [`${prefix}:session:`, exceptToken ? digest(exceptToken) : ''])) as number;
    },
  };
  return store;
}

export type SessionStore = ReturnType<typeof createSessionStore>;
