import { createHash } from 'node:crypto';
import express, { Router, type CookieOptions } from 'express';
import { sendPage } from '../platform/html';
import { moduleLogger } from '../platform/logger';
import { failureWindow } from '../platform/rate-limit';
import { withRedis } from '../platform/redis';
import { SESSION_COOKIE, loadSession, readCookie } from './auth';
import { checkCsrf } from './page-auth';
import { pageErrors } from './page-errors';
import { SIGN_IN_FAILURES_PER_MINUTE, signInSchema, type SessionRouterDeps } from './session.router';
import { loginView } from './views/login';

const log = moduleLogger('login');

/** The same dependencies as the JSON sign-in: one set of users, sessions and failure counts. */
export type LoginRouterDeps = SessionRouterDeps;

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

/**
 * SPEC §8 sign-in as a plain HTML form: the same users, sessions, cookie and failure limit as
 * `POST /api/v1/session`, so a browser without JavaScript can sign in.
 */
export function loginRouter(deps: LoginRouterDeps): Router {
  const router = Router();
  // The same window and subject as the API's: guesses through either count together.
  const failures = failureWindow(deps.redis, deps.prefix, 'sign-in', { limit: SIGN_IN_FAILURES_PER_MINUTE, windowSeconds: 60 });
  const cookie: CookieOptions = { httpOnly: true, sameSite: 'strict', path: '/', secure: deps.secureCookies };
  const load = loadSession(deps.sessions, deps.now);

  router.get('/login', load, (req, res) => {
    if (req.user) return res.redirect(303, '/dashboard');
    sendPage(res, 200, 'Sign in', loginView());
  });

  router.post('/login', form, async (req, res) => {
    // Login CSRF: another site must not sign a browser into an account of its choosing.
    const site = req.get('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') return sendPage(res, 403, 'Sign in', loginView({ error: 'Sign in from this site’s own sign-in page.' }));
    const parsed = signInSchema.safeParse(req.body ?? {});
    const typed = typeof req.body?.email === 'string' ? String(req.body.email).slice(0, 254) : '';
    if (!parsed.success) return sendPage(res, 401, 'Sign in', loginView({ email: typed, error: 'Enter your email address and password.' }));
    const { email, password } = parsed.data;

    const subject = createHash('sha256').update(`${email.toLowerCase()}\n${req.ip ?? ''}`).digest('hex').slice(0, 32);
    const nowMs = deps.now().getTime();
    const wait = await withRedis(() => failures.retryAfter(subject, nowMs));
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      return sendPage(res, 429, 'Sign in', loginView({ email: typed, error: `Too many failed sign-ins. Wait ${Math.ceil(wait / 60)} min and try again.` }));
    }

    const user = await withRedis(() => deps.users.verify(email, password), 5000);
    if (!user) {
      await withRedis(() => failures.record(subject, nowMs));
      log.info({ outcome: 'failed' }, 'sign-in refused');
      return sendPage(res, 401, 'Sign in', loginView({ email: typed, error: 'The email address or password is not right.' }));
    }
    const previous = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (previous) await withRedis(() => deps.sessions.delete(previous));
    const { token } = await withRedis(() => deps.sessions.create(user, deps.now()));
    log.info({ role: user.role }, 'signed in');
    res.cookie(SESSION_COOKIE, token, cookie);
    res.redirect(303, '/dashboard');
  });

  router.post('/logout', load, form, async (req, res) => {
    if (!req.user) return res.redirect(303, '/login');
    checkCsrf(req);
    await withRedis(() => deps.sessions.delete(req.sessionToken!));
    res.clearCookie(SESSION_COOKIE, cookie);
    res.redirect(303, '/login');
  });

  router.use(pageErrors);
  return router;
}
