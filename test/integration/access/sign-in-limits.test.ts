import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';

const PASSWORD = 'correct horse battery staple (fictional)';
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function fresh() {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  return app;
}
const newEmail = () => `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
/** `withPassword: false` skips the scrypt hashing: for accounts that are only ever guessed at. */
async function createUser(target: TestApp, { withPassword = true } = {}) {
  const email = newEmail();
  await target.users.createUser({ email, name: 'Sample Worker', role: 'mash', ...(withPassword ? { password: PASSWORD } : {}) }, new Date());
  return email;
}
const postSession = (target: TestApp, body: unknown) =>
  fetch(`${target.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
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
