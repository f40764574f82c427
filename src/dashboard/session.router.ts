import { createHash } from 'node:crypto';
import express, { Router, type CookieOptions, type RequestHandler } from 'express';
import { z } from 'zod';
import { moduleLogger } from '../platform/logger';
import { HttpProblem, validationProblem } from '../platform/problem';
import { failureWindow } from '../platform/rate-limit';
import { withRedis, type RedisClient } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { SESSION_COOKIE, readCookie } from './auth';
import type { SessionStore } from './sessions.store';
import type { UserStore } from './users.store';

const log = moduleLogger('session');

export type SessionRouterDeps = {
  redis: RedisClient;
  prefix: string;
  users: UserStore;
  sessions: SessionStore;
  /** `Secure` cookies when the app is served over https (PUBLIC_BASE_URL). */
  secureCookies: boolean;
  now: () => Date;
};

export const signInSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});

/** Ten wrong passwords per email and address within a minute or two, then every try waits: slows guessing, not typing. */
export const SIGN_IN_FAILURES_PER_MINUTE = 10;

/** The same answer for an unknown email and a wrong password: it must not say which emails exist. */
const badCredentials = () => new HttpProblem(401, 'unauthorized', 'Unauthorized', 'The email or password is not right.');

const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'Send { "email", "password" } as application/json.');
  }
  next();
};

/** SPEC §8 sign-in for scripts: `POST /api/v1/session` sets the session cookie, `DELETE` signs out. */
export function sessionRouter(deps: SessionRouterDeps): Router {
  const router = Router();
  const failures = failureWindow(deps.redis, deps.prefix, 'sign-in', { limit: SIGN_IN_FAILURES_PER_MINUTE, windowSeconds: 60 });
  const cookie: CookieOptions = { httpOnly: true, sameSite: 'strict', path: '/', secure: deps.secureCookies };

  router.post('/api/v1/session', requireJson, express.json({ limit: '8kb', strict: false, type: () => true }), async (req, res) => {
    const parsed = signInSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const { email, password } = parsed.data;

    // Keyed by a digest: the rate-limit keys hold no email address.
    const subject = createHash('sha256').update(`${email.toLowerCase()}\n${req.ip ?? ''}`).digest('hex').slice(0, 32);
    const nowMs = deps.now().getTime();
    const wait = await withRedis(() => failures.retryAfter(subject, nowMs));
    if (wait > 0) {
      throw new HttpProblem(429, 'rate-limited', 'Too Many Requests', 'Too many failed sign-ins; wait and try again.', { retryAfterSeconds: wait });
    }

    const user = await withRedis(() => deps.users.verify(email, password), 5000);
    if (!user) {
      await withRedis(() => failures.record(subject, nowMs));
      log.info({ outcome: 'failed' }, 'sign-in refused');
      throw badCredentials();
    }

    const previous = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (previous) await withRedis(() => deps.sessions.delete(previous));
    const { token } = await withRedis(() => deps.sessions.create(user, deps.now()));
    log.info({ role: user.role }, 'signed in');
    res.cookie(SESSION_COOKIE, token, cookie);
    res.status(204).end();
  });

  router.delete('/api/v1/session', async (req, res) => {
    const token = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (token) await withRedis(() => deps.sessions.delete(token));
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  });

  return router;
}
