import { Router } from 'express';
import { SESSION_COOKIE, readCookie } from '../access/auth';
import { sessionCookieOptions } from '../access/session.router';
import { html, sendPage } from '../platform/html';
import { moduleLogger } from '../platform/logger';
import { withRedis } from '../platform/redis';
import type { OidcClient } from '../access/oidc';
import type { SignInService } from '../access/sign-in';
import { notAllowedView } from './views/account';

const log = moduleLogger('oidc');
const ATTEMPT_COOKIE = 'endeavor_oidc';

export type OidcRouterDeps = { oidc: OidcClient; signIn: SignInService; publicBaseUrl: string; secureCookies: boolean };

/**
 * `GET /auth/oidc/login` sends the browser to the council's provider; the provider sends it
 * back to `GET /auth/oidc/callback` (PUBLIC_BASE_URL/auth/oidc/callback). The provider's
 * verified email must name an active user; the role is ours. Anything else gets the same
 * plain "not allowed" page, and the audit log says why.
 */
export function oidcRouter(deps: OidcRouterDeps): Router {
  const router = Router();
  // Lax, not Strict: the callback is a top-level navigation started by the provider's site.
  const attemptCookie = { httpOnly: true, sameSite: 'lax' as const, path: '/auth/oidc', secure: deps.secureCookies };

  router.get('/auth/oidc/login', async (_req, res) => {
    let begun;
    try {
      begun = await withRedis(() => deps.oidc.begin(), 15_000);
    } catch (err) {
      log.warn({ err: (err as Error).name }, 'identity provider unreachable');
      res.set('Retry-After', '30');
      return sendPage(res, 503, 'Sign in', html`<h1>The council sign-in is not available</h1><p>Try again in a minute, or sign in with a password.</p><p><a href="/login">Back to sign in</a></p>`);
    }
    res.cookie(ATTEMPT_COOKIE, begun.attempt, { ...attemptCookie, maxAge: 600_000 });
    res.redirect(303, begun.url.href);
  });

  router.get('/auth/oidc/callback', async (req, res) => {
    res.clearCookie(ATTEMPT_COOKIE, attemptCookie);
    const callbackUrl = new URL(req.originalUrl, deps.publicBaseUrl);
    const identity = await withRedis(() => deps.oidc.finish(readCookie(req.get('cookie'), ATTEMPT_COOKIE), callbackUrl), 20_000).catch(() => undefined);
    if (!identity || !identity.emailVerified) {
      await withRedis(() => deps.signIn.ssoRefused(identity ? 'sso; email not verified by the provider' : 'sso; no valid answer from the provider'));
      return sendPage(res, 403, 'Not allowed', notAllowedView());
    }
    const outcome = await withRedis(() => deps.signIn.withVerifiedEmail(identity.email, readCookie(req.get('cookie'), SESSION_COOKIE)));
    if (outcome.kind !== 'signed-in') return sendPage(res, 403, 'Not allowed', notAllowedView());
    res.cookie(SESSION_COOKIE, outcome.token, sessionCookieOptions(deps.secureCookies));
    // A page rather than a redirect: after a chain that began on the provider's site, the
    // browser would not send the SameSite=Strict cookie with a redirected request.
    res.set('Refresh', '0; url=/dashboard');
    sendPage(res, 200, 'Signed in', html`<h1>Signed in</h1><p><a class="button" href="/dashboard">Continue to the dashboard</a></p>`);
  });

  return router;
}
