import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpProblem } from '../platform/problem';
import { loadSession } from './auth';
import type { SessionStore } from './sessions.store';
import type { Role } from './users.store';

/**
 * Guards for the dashboard's HTML pages. Unlike the JSON API (401 problem), a page sends
 * somebody who is not signed in to the sign-in form.
 */
export function pageAuth(sessions: SessionStore, now: () => Date): (...roles: Role[]) => RequestHandler[] {
  const load = loadSession(sessions, now);
  return (...roles) => [
    load,
    (req, res, next) => {
      if (!req.user) return res.redirect(303, req.enrolling ? '/account/totp' : '/login');
      if (!roles.includes(req.user.role)) throw new HttpProblem(403, 'forbidden', 'Forbidden', 'Your role may not do this.');
      next();
    },
  ];
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether two secrets are equal, in time that does not depend on where they differ (SPEC §11). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * SPEC §11: a state-changing dashboard form must carry the session's csrfToken. Refused too when
 * the browser says the form came from another site. Needs the session loaded and the body parsed.
 */
export function checkCsrf(req: Request): void {
  const site = req.get('sec-fetch-site');
  const given = (req.body as { csrf?: unknown } | undefined)?.csrf;
  const expected = (req.user ?? req.enrolling)?.csrfToken;
  const ok = (site === undefined || site === 'same-origin' || site === 'none') && typeof given === 'string' && expected !== undefined && sameSecret(given, expected);
  if (!ok) throw new HttpProblem(403, 'csrf', 'Forbidden', 'This form has expired or did not come from this site. Go back, reload the page and try again.');
}
