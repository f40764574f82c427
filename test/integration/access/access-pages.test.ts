import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { uniqueId } from '../../helpers/factories';

const PASSWORD = 'correct horse battery staple (fictional)';
let app: TestApp;
let admin: string;
beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  admin = await signIn(app, 'admin');
});
afterAll(async () => {
  await app.close();
});

const get = (path: string, cookie?: string) => fetch(app.url + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
const postForm = (path: string, fields: Record<string, string>, cookie: string) =>
  fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
async function csrfOf(cookie: string) {
  const page = await (await get('/account', cookie)).text();
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}
async function passwordSignIn(email: string, password = PASSWORD) {
  const res = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

describe('/dashboard/users (admin)', () => {
  it('lists users for admins only, under the strict CSP, with a link in the navigation', async () => {
    const res = await get('/dashboard/users', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('<h1>Users</h1>');
    expect(page).toContain('href="/dashboard/users"');
    const mash = await signIn(app, 'mash');
    expect((await get('/dashboard/users', mash)).status).toBe(403);
    expect(await (await get('/dashboard', mash)).text()).not.toContain('href="/dashboard/users"');
    expect((await get('/dashboard/users')).status).toBe(303);
  });

  it('adds a user and deactivates them through forms that carry the CSRF token', async () => {
    const email = `invited-${uniqueId('u').toLowerCase()}@endeavor.test`;
    const csrf = await csrfOf(admin);
    expect((await postForm('/dashboard/users', { email, name: 'Sample Invitee', role: 'mash', password: PASSWORD }, admin)).status).toBe(403);
    const added = await postForm('/dashboard/users', { csrf, email, name: 'Sample Invitee', role: 'mash', password: PASSWORD }, admin);
    expect(added.status).toBe(200);
    expect(await added.text()).toContain('Sample Invitee has been added.');
    expect((await postForm('/dashboard/users', { csrf, email, name: 'Sample Again', role: 'mash' }, admin)).status).toBe(409);

    const { cookie } = await passwordSignIn(email);
    const user = (await app.users.get(email))!;
    const saved = await postForm(`/dashboard/users/${user.id}`, { csrf, role: 'mash', active: 'false' }, admin);
    expect(saved.status).toBe(200);
    expect((await app.users.get(email))!.active).toBe(false);
    expect((await asUser(app, cookie!).get('/api/v1/organisations')).status).toBe(401);
  });
});

describe('/dashboard/users: a lost phone', () => {
  it('resets a user\'s one-time codes with the Reset button (CSRF token carried), ending their sessions', async () => {
    const email = `phone-lost-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await app.users.createUser({ email, name: 'Sample Phone Lost', role: 'mash', password: PASSWORD }, new Date());
    const { cookie } = await passwordSignIn(email);
    const { id } = (await app.users.modify(email, (u) => ({ ...u, totp: { secret: 'v1.sealed', lastStep: 0 }, recoveryCodes: ['digest'] }))).user!;
    const page = await (await get('/dashboard/users', admin)).text();
    expect(page).toMatch(new RegExp(`action="/dashboard/users/${id}"[^]*?name="resetTotp" value="true"[^]*?Reset<span class="visually-hidden"> the one-time codes of Sample Phone Lost`));

    const csrf = await csrfOf(admin);
    expect((await postForm(`/dashboard/users/${id}`, { resetTotp: 'true' }, admin)).status).toBe(403);
    const reset = await postForm(`/dashboard/users/${id}`, { csrf, resetTotp: 'true' }, admin);
    expect(reset.status).toBe(200);
    expect(await reset.text()).toContain('Sample Phone Lost: one-time codes reset; they set them up again at their next sign-in.');
    expect(await app.users.get(email)).not.toHaveProperty('totp');
    expect((await asUser(app, cookie!).get('/api/v1/organisations')).status).toBe(401);
  });
});

describe('/account', () => {
  it('changes the own password through the form, and /login has a code field', async () => {
    const email = `own-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await app.users.createUser({ email, name: 'Sample Own', role: 'mash', password: PASSWORD }, new Date());
    const { cookie } = await passwordSignIn(email);
    const page = await (await get('/account', cookie!)).text();
    expect(page).toContain('Change your password');
    expect(page).toContain('href="/account/totp"');
    const csrf = await csrfOf(cookie!);
    const wrong = await postForm('/account/password', { csrf, currentPassword: 'not it', newPassword: 'a brand new passphrase' }, cookie!);
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('Your current password is not right.');
    const done = await postForm('/account/password', { csrf, currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }, cookie!);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your password has been changed.');
    expect((await passwordSignIn(email, 'a brand new passphrase')).status).toBe(204);

    const login = await (await get('/login')).text();
    expect(login).toMatch(/<input type="text" id="code" name="code"[^>]*autocomplete="one-time-code"/);
    expect(login).not.toContain('Sign in with the council account');
  });
});
