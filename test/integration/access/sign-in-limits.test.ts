import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

const PASSWORD = 'correct horse battery staple (fictional)';
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function fresh(env: Record<string, string> = {}) {
  app = await startTestApp({ env: { NODE_ENV: 'development', ...env } });
  return app;
}
const newEmail = () => `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
/** `withPassword: false` skips the scrypt hashing: for accounts that are only ever guessed at. */
async function createUser(target: TestApp, { withPassword = true } = {}) {
  const email = newEmail();
  await target.users.createUser({ email, name: 'Sample Worker', role: 'mash', ...(withPassword ? { password: PASSWORD } : {}) }, new Date());
  return email;
}
/** `from`: the client address a proxy in front would put in X-Forwarded-For. */
const postSession = (target: TestApp, body: unknown, from?: string) =>
  fetch(`${target.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify(body),
  });
/** A documentation address (RFC 5737), a different one for each i. */
const address = (i: number) => `198.51.100.${i + 1}`;
const countStatuses = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
/** How many attempts reached the password check: each one leaves a sign-in or sign-in.failed audit entry. */
async function checked(target: TestApp) {
  const entries = await target.stores.audit.recent(1000);
  return entries.filter((e) => e.action === 'sign-in' || e.action === 'sign-in.failed').length;
}

describe('sign-in limits (SPEC §8)', { timeout: 180_000 }, () => {
  it('lets exactly 10 of 40 parallel wrong passwords for one account reach the password check; the rest get 429 with Retry-After', async () => {
    const target = await fresh();
    const email = await createUser(target);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => postSession(target, { email, password: `wrong-${i}` })));
    expect(countStatuses(responses.map((r) => r.status))).toEqual({ 401: 10, 429: 30 });
    expect(await checked(target)).toBe(10);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wait = Number(limited.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    // Even the right password waits now.
    expect((await postSession(target, { email, password: PASSWORD })).status).toBe(429);
  });

  it('checks no more than 10 of 40 parallel attempts at 40 different accounts from one address (password spraying)', async () => {
    const target = await fresh();
    const emails = await Promise.all(Array.from({ length: 40 }, () => createUser(target, { withPassword: false })));
    const responses = await Promise.all(emails.map((email) => postSession(target, { email, password: 'Summer2026!' })));
    expect(countStatuses(responses.map((r) => r.status))).toEqual({ 401: 10, 429: 30 });
    expect(await checked(target)).toBe(10);
  });

  it('counts the /login form and the JSON API together', async () => {
    const target = await fresh();
    const email = await createUser(target);
    for (let i = 0; i < 10; i++) expect((await postSession(target, { email, password: `wrong-${i}` })).status).toBe(401);
    const form = await fetch(`${target.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    expect(form.status).toBe(429);
    expect(Number(form.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('gives back only the successful attempt: signing in between guesses does not reset the address counter', async () => {
    const target = await fresh();
    const mine = await createUser(target);
    const victims = await Promise.all(Array.from({ length: 12 }, () => createUser(target, { withPassword: false })));
    for (let i = 0; i < 9; i++) expect((await postSession(target, { email: victims[i], password: 'guess' })).status).toBe(401);
    // The attacker's own account signs in fine, any number of times…
    for (let i = 0; i < 3; i++) expect((await postSession(target, { email: mine, password: PASSWORD })).status).toBe(204);
    // …but that gives back nothing of the nine failures: one more guess, then the address is spent.
    expect((await postSession(target, { email: victims[9], password: 'guess' })).status).toBe(401);
    expect((await postSession(target, { email: victims[10], password: 'guess' })).status).toBe(429);
    expect((await postSession(target, { email: mine, password: PASSWORD })).status).toBe(429);
  });

  it('audits sign-in by user id and a failure for an unknown email without any email', async () => {
    const target = await fresh();
    const email = await createUser(target);
    const user = (await target.users.get(email))!;
    const unknown = newEmail();
    expect((await postSession(target, { email, password: PASSWORD })).status).toBe(204);
    expect((await postSession(target, { email, password: 'wrong' })).status).toBe(401);
    expect((await postSession(target, { email: unknown, password: 'wrong' })).status).toBe(401);
    const entries = await target.stores.audit.recent();
    expect(entries.map((e) => [e.action, e.subject])).toEqual([
      ['sign-in.failed', 'unknown-account'],
      ['sign-in.failed', `user:${user.id}`],
      ['sign-in', `user:${user.id}`],
    ]);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(email);
    expect(text).not.toContain(unknown);
    expect(text).not.toContain('wrong');
    expect(text).not.toContain(PASSWORD);
  });
});

/*
 * Issue 9: behind a reverse proxy every request comes from the proxy's address. With TRUST_PROXY
 * the address counter is the client's (X-Forwarded-For), so one client's failures lock out no one
 * else; the account counter holds whatever address each guess claims.
 */
describe('sign-in limits behind a proxy (TRUST_PROXY)', { timeout: 180_000 }, () => {
  it('with TRUST_PROXY=1 still checks exactly 10 of 40 parallel wrong passwords at one account, each from a different forwarded address', async () => {
    const target = await fresh({ TRUST_PROXY: '1' });
    const email = await createUser(target);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => postSession(target, { email, password: `wrong-${i}` }, address(i))));
    expect(countStatuses(responses.map((r) => r.status))).toEqual({ 401: 10, 429: 30 });
    expect(await checked(target)).toBe(10);
    for (const limited of responses.filter((r) => r.status === 429)) expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
  });

  it('with TRUST_PROXY=1, 10 failures from forwarded address A at account X do not refuse a sign-in to account Y from address B', async () => {
    const target = await fresh({ TRUST_PROXY: '1' });
    const [x, y] = [await createUser(target, { withPassword: false }), await createUser(target)];
    for (let i = 0; i < 10; i++) expect((await postSession(target, { email: x, password: `guess-${i}` }, '203.0.113.10')).status).toBe(401);
    // A is spent (and so is X)…
    expect((await postSession(target, { email: x, password: 'guess' }, '203.0.113.10')).status).toBe(429);
    // …but all of it came through the one proxy: B signs in to Y.
    expect((await postSession(target, { email: y, password: PASSWORD }, '203.0.113.20')).status).toBe(204);
  });

  it('with TRUST_PROXY unset ignores X-Forwarded-For: rotating it gains nothing, the socket address is counted', async () => {
    const target = await fresh();
    const emails = await Promise.all(Array.from({ length: 11 }, () => createUser(target, { withPassword: false })));
    for (let i = 0; i < 10; i++) expect((await postSession(target, { email: emails[i], password: 'guess' }, address(i))).status).toBe(401);
    const limited = await postSession(target, { email: emails[10], password: 'guess' }, address(10));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
