import express, { Router, type CookieOptions, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Credentials, SignInService } from './sign-in';
import { HttpProblem, validationProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { SESSION_COOKIE, readCookie } from './auth';

export type SessionRouterDeps = {
  signIn: SignInService;
  /** `Secure` cookies when the app is served over https (PUBLIC_BASE_URL). */
  secureCookies: boolean;
};

/** `POST /api/v1/session`: `code` is the TOTP code (or a recovery code), needed once the user has TOTP, and in strict mode. */
export const signInSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
  code: z.string().trim().min(1).max(64).optional(),
});

/** The same answer for an unknown email, a wrong password and a wrong code: it must not say which was wrong. */
const badCredentials = () => new HttpProblem(401, 'unauthorized', 'Unauthorized', 'The email, password or code is not right.');

/** Generous: scrypt work queues behind other sign-ins on a busy host; the Redis calls inside are fast or fail fast. */
export const SIGN_IN_TIMEOUT_MS = 30_000;

export const sessionCookieOptions = (secure: boolean): CookieOptions => ({ httpOnly: true, sameSite: 'strict', path: '/', secure });

/**
 * The one sign-in step of the API and the sign-in page: the shared flow (limits, password, code,
 * audit) with this request's address and the session it may replace.
 */
export const signInFromRequest = (signIn: SignInService, req: Request, credentials: Credentials) =>
  withRedis(() => signIn.withPassword(credentials, { address: req.ip ?? '', previousToken: readCookie(req.get('cookie'), SESSION_COOKIE) }), SIGN_IN_TIMEOUT_MS);

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'Send application/json.');
  }
  next();
};
export const jsonBody = express.json({ limit: '8kb', strict: false, type: () => true });

/** SPEC §8 sign-in for scripts: `POST /api/v1/session` sets the session cookie, `DELETE` signs out. */
export function sessionRouter(deps: SessionRouterDeps): Router {
  const router = Router();
  const cookie = sessionCookieOptions(deps.secureCookies);

  router.post('/api/v1/session', requireJson, jsonBody, async (req, res) => {
    const parsed = signInSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const outcome = await signInFromRequest(deps.signIn, req, parsed.data);
    if (outcome.kind === 'throttled') {
      throw new HttpProblem(429, 'rate-limited', 'Too Many Requests', 'Too many sign-in attempts; wait and try again.', { retryAfterSeconds: outcome.retryAfterSeconds });
    }
    if (outcome.kind === 'refused') throw badCredentials();
    res.cookie(SESSION_COOKIE, outcome.token, cookie);
    res.status(204).end();
  });

  router.delete('/api/v1/session', async (req, res) => {
    const token = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (token) await withRedis(() => deps.signIn.signOut(token));
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  });

  return router;
}
