import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import type { Role } from './users.store';

export type Session = {
  email: string;
  role: Role;
  /** For the dashboard's HTML forms (SPEC §11); the JSON API relies on its content types instead. */
  csrfToken: string;
  createdAt: string;
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
 * Dashboard sessions. Redis holds only sha256(token), so a copy of the database (a backup, a
 * MONITOR) yields no usable cookie; the token itself exists only in the user's browser.
 */
export function createSessionStore(redis: RedisClient, prefix: string) {
  const key = (token: string) => `${prefix}:session:${digest(token)}`;

  return {
    async create(user: { email: string; role: Role }, now: Date): Promise<{ token: string; session: Session }> {
      const token = randomToken();
      const session: Session = { email: user.email, role: user.role, csrfToken: randomToken(), createdAt: now.toISOString() };
      await redis.set(key(token), JSON.stringify(session), 'EX', SESSION_IDLE_SECONDS);
      return { token, session };
    },

    /** The live session for a token, sliding its idle expiry; undefined when unknown, idle too long or too old. */
    async get(token: string, now: Date): Promise<Session | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const json = await redis.get(key(token));
      if (!json) return undefined;
      const session = JSON.parse(json) as Session;
      const left = Math.floor((Date.parse(session.createdAt) + SESSION_MAX_SECONDS * 1000 - now.getTime()) / 1000);
      if (left <= 0) {
        await redis.del(key(token));
        return undefined;
      }
      await redis.expire(key(token), Math.min(SESSION_IDLE_SECONDS, left));
      return session;
    },

    async delete(token: string): Promise<void> {
      if (TOKEN.test(token)) await redis.del(key(token));
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
