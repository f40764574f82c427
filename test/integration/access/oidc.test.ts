import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { OIDC_CLIENT, browseSso, startOidcProvider } from '../../helpers/oidc-provider';

/** What the browser sees as the app; the tests' "proxy" maps it onto the app's real port. */
const PUBLIC = 'http://dispatch.endeavor.test';
const MASH = 'sso-mash@council.endeavor.test';
const LEAVER = 'sso-leaver@council.endeavor.test';

let provider: Awaited<ReturnType<typeof startOidcProvider>>;
let app: TestApp;
beforeAll(async () => {
  provider = await startOidcProvider(
    {
      'acct-mash': { email: MASH, email_verified: true, role: 'admin' },
      'acct-unverified': { email: MASH, email_verified: false },
      'acct-stranger': { email: 'stranger@council.endeavor.test', email_verified: true },
      'acct-leaver': { email: LEAVER, email_verified: true },
    },
    `${PUBLIC}/auth/oidc/callback`,
  );
  app = await startTestApp({
    env: { NODE_ENV: 'development', PUBLIC_BASE_URL: PUBLIC, OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: OIDC_CLIENT.clientId, OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret },
    oidcAllowInsecureRequests: true,
  });
  await app.users.createUser({ email: MASH, name: 'Sample Mash Worker', role: 'mash' }, new Date());
  const leaver = await app.users.createUser({ email: LEAVER, name: 'Sample Leaver', role: 'mash' }, new Date());
  await app.users.modify(LEAVER, (u) => ({ ...u, active: false }));
  expect((await app.users.getById(leaver.id))?.active).toBe(false);
});
afterAll(async () => {
  await app?.close();
  await provider?.close();
});

const rewrite = (url: URL) => (url.origin === PUBLIC ? new URL(url.pathname + url.search, app.url) : url);
const sso = (accountId: string, beforeCallback?: (url: URL) => URL) => browseSso(`${PUBLIC}/auth/oidc/login`, accountId, { rewrite, ...(beforeCallback ? { beforeCallback } : {}) });
const sessionOf = (cookies: Map<string, Map<string, string>>) => cookies.get(new URL(app.url).host)?.get('endeavor_session');
const lastAudit = async () => (await app.stores.audit.recent(1))[0]!;

describe('single sign-on with the council provider (OIDC)', () => {
  it('offers "Sign in with the council account" on /login', async () => {
    expect(await (await fetch(`${app.url}/login`)).text()).toContain('Sign in with the council account');
  });

  it('signs in a verified email of an active user, with our role, never the provider\'s', async () => {
    const { response, cookies } = await sso('acct-mash');
    expect(response.status).toBe(200);
    const token = sessionOf(cookies);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = asUser(app, `endeavor_session=${token}`);
    expect((await me.get('/api/v1/organisations')).status).toBe(200);
    expect((await me.get('/api/v1/users')).status).toBe(403);
    // The latest sign-in entry: reading the organisations is audited after it.
    const entry = (await app.stores.audit.recent(20)).find((e) => e.action === 'sign-in')!;
    expect(entry).toMatchObject({ action: 'sign-in', detail: 'sso' });
    expect(entry.subject).toBe(`user:${(await app.users.get(MASH))!.id}`);
  });

  for (const [label, account, reason] of [
    ['an email the provider has not verified', 'acct-unverified', /not verified/],
    ['an email that names no user here', 'acct-stranger', /no such user/],
    ['a deactivated user', 'acct-leaver', /inactive/],
  ] as const) {
    it(`refuses ${label} with a plain "not allowed" page, audited without the email`, async () => {
      const { response, body, cookies } = await sso(account);
      expect(response.status).toBe(403);
      expect(body).toContain('Not allowed');
      expect(sessionOf(cookies)).toBeUndefined();
      const entry = await lastAudit();
      expect(entry.action).toBe('sign-in.failed');
      expect(entry.detail).toMatch(reason);
      expect(JSON.stringify(entry)).not.toMatch(/@/);
    });
  }

  it('refuses an answer whose state was tampered with', async () => {
    const { response, cookies } = await sso('acct-mash', (url) => {
      url.searchParams.set('state', `${url.searchParams.get('state')}x`);
      return url;
    });
    expect(response.status).toBe(403);
    expect(sessionOf(cookies)).toBeUndefined();
    expect((await lastAudit()).detail).toMatch(/no valid answer/);
  });

  it('refuses a callback without the login attempt it belongs to', async () => {
    const res = await fetch(`${app.url}/auth/oidc/callback?code=abc&state=def`);
    expect(res.status).toBe(403);
  });

  it('still signs in through the provider after the account\'s password sign-ins are spent (the limits guard passwords only)', async () => {
    const post = (password: string) =>
      fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: MASH, password }) });
    for (let i = 0; i < 10; i++) expect((await post(`guess-${i}`)).status).toBe(401);
    expect((await post('guess')).status).toBe(429);
    const { response, cookies } = await sso('acct-mash');
    expect(response.status).toBe(200);
    expect(sessionOf(cookies)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
