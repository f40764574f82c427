import express, { Router } from 'express';
import type { SignInService } from '../access/sign-in';
import { sendPage } from '../platform/html';
import { withRedis } from '../platform/redis';
import { SESSION_COOKIE, loadSession } from '../access/auth';
import { checkCsrf } from '../access/page-auth';
import { pageErrors } from './page-errors';
import { sessionCookieOptions, signInFromRequest, signInSchema } from '../access/session.router';
import type { SessionStore } from '../access/sessions.store';
import { loginView } from './views/login';

export type LoginRouterDeps = {
  signIn: SignInService;
  sessions: SessionStore;
  secureCookies: boolean;
  /** Show "Sign in with the council account" (OIDC configured). */
  sso: boolean;
  now: () => Date;
};

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

/**
 * SPEC §8 sign-in as a plain HTML form: the same sign-in flow (limits, password, code,
 * audit) as `POST /api/v1/session`, so a browser without JavaScript can sign in.
 */
export function loginRouter(deps: LoginRouterDeps): Router {
  const router = Router();
  const cookie = sessionCookieOptions(deps.secureCookies);
  const load = loadSession(deps.sessions, deps.now);
  const view = (extra: { email?: string; error?: string } = {}) => loginView({ ...extra, sso: deps.sso });

  router.get('/login', load, (req, res) => {
    if (req.user) return res.redirect(303, '/dashboard');
    sendPage(res, 200, 'Sign in', view());
  });

  router.post('/login', form, async (req, res) => {
    // Login CSRF: another site must not sign a browser into an account of its choosing.
    const site = req.get('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') return sendPage(res, 403, 'Sign in', view({ error: 'Sign in from this site’s own sign-in page.' }));
    const body = { ...(req.body ?? {}) } as Record<string, unknown>;
    if (body.code === '') delete body.code;
    const parsed = signInSchema.safeParse(body);
    const typed = typeof body.email === 'string' ? String(body.email).slice(0, 254) : '';
    if (!parsed.success) return sendPage(res, 401, 'Sign in', view({ email: typed, error: 'Enter your email address and password.' }));

    const outcome = await signInFromRequest(deps.signIn, req, parsed.data);
    if (outcome.kind === 'throttled') {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      return sendPage(res, 429, 'Sign in', view({ email: typed, error: `Too many sign-in attempts. Wait ${Math.ceil(outcome.retryAfterSeconds / 60)} min and try again.` }));
    }
    if (outcome.kind === 'refused') return sendPage(res, 401, 'Sign in', view({ email: typed, error: 'The email address, password or code is not right.' }));
    res.cookie(SESSION_COOKIE, outcome.token, cookie);
    res.redirect(303, outcome.stage === 'enrol' ? '/account/totp' : '/dashboard');
  });

  router.post('/logout', load, form, async (req, res) => {
    if (!req.user && !req.enrolling) return res.redirect(303, '/login');
    checkCsrf(req);
    await withRedis(() => deps.signIn.signOut(req.sessionToken!));
    res.clearCookie(SESSION_COOKIE, cookie);
    res.redirect(303, '/login');
  });

  router.use(pageErrors);
  return router;
}
