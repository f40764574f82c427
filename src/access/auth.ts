import type { Request, RequestHandler } from 'express';
import { HttpProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import type { SessionStore } from './sessions.store';
import type { Role } from './users.store';

export const SESSION_COOKIE = 'endeavor_session';

/** Who is signed in, as the dashboard and the JSON API see it. */
export type SessionUser = { id: string; email: string; role: Role; csrfToken: string };

/** A session that may only enrol TOTP (strict mode, password right, no TOTP yet). */
export type EnrollingUser = { id: string; email: string; csrfToken: string };

declare module 'express-serve-static-core' {
  interface Request {
    user?: SessionUser;
    enrolling?: EnrollingUser;
    /** The raw session token from the cookie, kept for sign-out. */
    sessionToken?: string;
    sessionLoaded?: boolean;
  }
}

/** One cookie's value from the Cookie header; no cookie library needed for a single name. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** Sets req.user from the session cookie when it names a live session; never refuses a request itself. */
export function loadSession(sessions: SessionStore, now: () => Date): RequestHandler {
  return async (req, _res, next) => {
    if (req.sessionLoaded) return next();
    req.sessionLoaded = true;
    const token = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (token) {
      req.sessionToken = token;
      const session = await withRedis(() => sessions.get(token, now()));
      if (session?.stage === 'enrol') req.enrolling = { id: session.userId, email: session.email, csrfToken: session.csrfToken };
      else if (session) req.user = { id: session.userId, email: session.email, role: session.role, csrfToken: session.csrfToken };
    }
    next();
  };
}

export const notSignedIn = () => new HttpProblem(401, 'unauthorized', 'Unauthorized', 'Sign in first: POST /api/v1/session.');
const enrolFirst = () => new HttpProblem(403, 'totp-enrolment-required', 'Forbidden', 'Set up your one-time codes first: POST /api/v1/session/totp.');

/** 401 when nobody is signed in, 403 when the signed-in role may not do this. Needs loadSession first. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) throw req.enrolling ? enrolFirst() : notSignedIn();
    if (!roles.includes(req.user.role)) throw new HttpProblem(403, 'forbidden', 'Forbidden', 'Your role may not do this.');
    next();
  };
}

/** The signed-in user; throws the 401 problem when there is none. */
export function currentUser(req: Request): SessionUser {
  if (!req.user) throw notSignedIn();
  return req.user;
}

/** The "simple" body types a page on another site may POST without a CORS preflight. */
const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/**
 * CSRF protection of the cookie-authenticated JSON API, in two layers:
 *
 * 1. The session cookie is `SameSite=Strict`: browsers do not attach it to any request that
 *    another site starts.
 * 2. Behind that, a state-changing request must be one a browser cannot send cross-site
 *    without a CORS preflight, which this app never grants (it sends no CORS headers). PUT
 *    and DELETE always need one; a POST needs one only when its body type is not one of the
 *    three "simple" ones, so a POST must say `application/json` (or `text/csv`,
 *    `application/octet-stream` for imports) and a bodiless POST sends `{}` as JSON.
 *    Browsers that send `Sec-Fetch-Site` are refused outright for a request from another site.
 *
 * HTML forms of the dashboard are a different case (they are simple by nature) and carry
 * the session's csrfToken instead.
 */
export const rejectCrossSiteWrites: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    throw new HttpProblem(403, 'forbidden', 'Forbidden', 'Requests from other sites are not accepted.');
  }
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.method === 'POST' && (type === '' || SIMPLE_TYPES.has(type))) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'Send application/json (text/csv for imports).');
  }
  next();
};

/**
 * The guard for a dashboard-user route: load the session, check the role, refuse cross-site
 * writes. `auth('admin')`, `auth('admin', 'mash')`.
 */
export function dashboardAuth(sessions: SessionStore, now: () => Date): (...roles: Role[]) => RequestHandler[] {
  const load = loadSession(sessions, now);
  return (...roles) => [load, requireRole(...roles), rejectCrossSiteWrites];
}
