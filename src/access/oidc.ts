import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import * as client from 'openid-client';

export type OidcSettings = { issuer: string; clientId: string; clientSecret: string };

/** A login attempt lives 10 minutes: long enough to type a password and a code at the council's provider. */
const ATTEMPT_SECONDS = 600;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export type OidcIdentity = { email: string; emailVerified: boolean };

/**
 * Single sign-on with the council's OpenID Connect provider (SPEC §8): discovery, the
 * authorization code flow with PKCE, and state, nonce and code verifier kept server-side for
 * the one login attempt (the browser holds only an opaque random token naming it).
 *
 * `allowInsecureRequests` lets the tests' provider run on http://127.0.0.1; the app passes it
 * only outside strict mode.
 */
// eslint-disable-next-line max-lines-per-function -- a service factory: a set of small methods over shared state (README, Layout: exceptions)
export function oidcClient(settings: OidcSettings, deps: { redis: RedisClient; prefix: string; redirectUri: string; allowInsecureRequests?: boolean }) {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        ...(deps.allowInsecureRequests ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  const key = (token: string) => `${deps.prefix}:oidc-attempt:${digest(token)}`;

  return {
    /** Starts a login attempt: the token for the browser's cookie and where to send the browser. */
    async begin(): Promise<{ attempt: string; url: URL }> {
      const config = await configuration();
      const attempt = randomBytes(32).toString('base64url');
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      await deps.redis.set(key(attempt), JSON.stringify({ state, nonce, verifier }), 'EX', ATTEMPT_SECONDS);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: deps.redirectUri,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { attempt, url };
    },

    /**
     * Finishes the attempt named by the cookie (once: it is deleted as it is read) with the
     * provider's answer at `callbackUrl`; undefined when anything does not check out (no such
     * attempt, state or nonce not ours, code refused, an error from the provider).
     */
    async finish(attempt: string | undefined, callbackUrl: URL): Promise<OidcIdentity | undefined> {
      if (!attempt || !TOKEN.test(attempt)) return undefined;
      const stored = await deps.redis.getdel(key(attempt));
      if (!stored) return undefined;
      const { state, nonce, verifier } = JSON.parse(stored) as { state: string; nonce: string; verifier: string };
      const config = await configuration();
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
        const claims = tokens.claims();
        if (!claims) return undefined;
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        const email = typeof info.email === 'string' ? info.email : typeof claims.email === 'string' ? claims.email : undefined;
        if (!email) return undefined;
        const verified = info.email === email ? info.email_verified : claims.email_verified;
        return { email, emailVerified: verified === true };
      } catch {
        return undefined;
      }
    },
  };
}

export type OidcClient = ReturnType<typeof oidcClient>;
