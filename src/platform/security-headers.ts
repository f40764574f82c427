import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The one Content-Security-Policy of every response: scripts, styles and images only from our
 * own origin (`/assets`), no inline script or style, forms post only to us, no framing. JSON and
 * CSV answers carry it too: a browser that is made to render one runs nothing.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const serialise = (directives: Record<string, readonly string[]>) =>
  Object.entries(directives)
    .map(([name, sources]) => [kebab(name), ...sources].join(' '))
    .join(';');

/**
 * The caught-mail page (development only, SPEC §9) is the one page that widens the policy, and
 * only by `frame-src 'self'`: it frames each message's HTML part from its own route. Not
 * `srcdoc`: a srcdoc document inherits this page's policy, which refuses the inline styles every
 * alert carries, so the DSL's view could not be shown. 'self' lets this page frame nothing else of
 * ours: every other response says `frame-ancestors 'none'`.
 */
const MAIL_PAGE_POLICY = serialise({ ...CONTENT_SECURITY_POLICY, frameSrc: ["'self'"] });

/**
 * A caught message's HTML part is untrusted markup. `sandbox` (in the header and on the iframe)
 * gives it an opaque origin with no script, forms, popups or top navigation; it loads nothing
 * but its own inline styles and `data:` images (no tracking pixels); only our page may frame it.
 */
const CAUGHT_MAIL_POLICY = "default-src 'none';style-src 'unsafe-inline';img-src data:;base-uri 'none';form-action 'none';frame-ancestors 'self';sandbox";

/** On the caught-mail page's response: see `MAIL_PAGE_POLICY`. */
export function allowFramesFromSelf(res: Response): void {
  res.set('Content-Security-Policy', MAIL_PAGE_POLICY);
}

/** On a caught message's HTML part, framed by the caught-mail page: see `CAUGHT_MAIL_POLICY`. */
export function asCaughtMailPart(res: Response): void {
  res.set({ 'Content-Security-Policy': CAUGHT_MAIL_POLICY, 'X-Frame-Options': 'SAMEORIGIN' });
}

/** HSTS for a year, subdomains included (no preload: that is a decision for the council's domain). */
const HSTS = { maxAge: 31_536_000, includeSubDomains: true, preload: false };

/**
 * SPEC §2 and §8, in front of every route: helmet's headers with our CSP, no referrer (ack links
 * carry tokens in their path), `nosniff` and `Cache-Control: no-store` on everything, HSTS in
 * strict mode only (in development the service is reached over plain http, and a browser would
 * remember HSTS for localhost). `no-store` is the default rather than a list of personal routes so
 * that a new route cannot forget it; the few public, unchanging responses (stylesheet, scripts)
 * set their own `Cache-Control` after this.
 */
export function securityHeaders(options: { strict: boolean }): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
      strictTransportSecurity: options.strict ? HSTS : false,
    }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  ];
}
