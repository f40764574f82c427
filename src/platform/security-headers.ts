import type { RequestHandler } from 'express';
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
