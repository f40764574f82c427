import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type ProviderAccount = { email: string; email_verified: boolean; [claim: string]: unknown };

export const OIDC_CLIENT = { clientId: 'endeavor-dispatch-test', clientSecret: 'a-client-secret-for-tests-only-0123456789' };

/**
 * A real OpenID Connect provider (oidc-provider) on a free port of 127.0.0.1, with the
 * fictional accounts given (account id → claims). Its development login form takes an
 * account id; no password is asked. Consent is granted without asking. With `tls` (a key and
 * certificate for 127.0.0.1) it serves https, as a real provider must in strict mode.
 */
export async function startOidcProvider(
  accounts: Record<string, ProviderAccount>,
  redirectUri: string,
  options: { tls?: { key: string; cert: string } } = {},
): Promise<{ issuer: string; close(): Promise<void> }> {
  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }) : createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: OIDC_CLIENT.clientId, client_secret: OIDC_CLIENT.clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['role'] },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    pkce: { required: () => true },
    findAccount: (_ctx, sub) => {
      const claims = accounts[sub];
      return claims ? { accountId: sub, claims: () => ({ sub, ...claims }) } : undefined;
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A browser in miniature: follows redirects by hand, keeps cookies per host, and answers the
 * provider's login form with `accountId`. `rewrite` maps a URL the browser is sent to (the
 * app's PUBLIC_BASE_URL) onto where the app really listens, as a reverse proxy would.
 * `beforeCallback` may tamper with the provider's answer. `fetch` replaces the global one (e.g.
 * to trust a test CA). Answers the final response.
 */
export async function browseSso(
  start: string,
  accountId: string,
  options: { rewrite: (url: URL) => URL; beforeCallback?: (url: URL) => URL; fetch?: typeof fetch },
): Promise<{ response: Response; body: string; cookies: Map<string, Map<string, string>> }> {
  const jar = new Map<string, Map<string, string>>();
  const cookieHeader = (url: URL) => [...(jar.get(url.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (url: URL, response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const jarOfHost = jar.get(url.host) ?? new Map<string, string>();
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jarOfHost.delete(pair!.slice(0, at));
      else jarOfHost.set(pair!.slice(0, at), value);
      jar.set(url.host, jarOfHost);
    }
  };
  const request = options.fetch ?? fetch;
  let url = options.rewrite(new URL(start));
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const response = await request(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader(url) } });
    keep(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      let next = new URL(location, url);
      if (next.pathname.endsWith('/auth/oidc/callback') && options.beforeCallback) next = options.beforeCallback(next);
      url = options.rewrite(next);
      init = {};
      continue;
    }
    const body = await response.text();
    const prompt = /name="prompt" value="(login|consent)"/.exec(body)?.[1];
    if (response.status === 200 && url.pathname.startsWith('/interaction/') && prompt) {
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'not-checked' } : { prompt }).toString(),
      };
      continue;
    }
    return { response, body, cookies: jar };
  }
  throw new Error('too many redirects');
}
