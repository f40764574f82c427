import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_ADMIN_EMAIL, ensureFirstAdmin } from '../../../src/access/first-admin';
import { SESSION_IDLE_SECONDS } from '../../../src/access/sessions.store';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { uniqueId } from '../../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const PASSWORD = 'correct horse battery staple (fictional)';
const newEmail = (label = 'mash') => `${label}-${uniqueId('u').toLowerCase()}@endeavor.test`;

async function createUser(role: 'admin' | 'mash' = 'mash') {
  const email = newEmail(role);
  await app.users.createUser({ email, role, password: PASSWORD }, new Date());
  return email;
}

const postSession = (body: unknown, init: { contentType?: string; cookie?: string; target?: TestApp } = {}) =>
  fetch(`${(init.target ?? app).url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json', ...(init.cookie ? { cookie: init.cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const cookieOf = (res: Response) => res.headers.get('set-cookie')?.split(';')[0];

describe('POST /api/v1/session', () => {
  it('signs in with 204 and an HttpOnly, SameSite=Strict session cookie on Path=/, not Secure over http', async () => {
    const email = await createUser();
    const res = await postSession({ email, password: PASSWORD });
    expect(res.status).toBe(204);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^endeavor_session=[A-Za-z0-9_-]{43};/);
    const attributes = setCookie.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(attributes).not.toContain('secure');
  });

  it('marks the cookie Secure when PUBLIC_BASE_URL is https', async () => {
    const secure = await startTestApp({ env: { PUBLIC_BASE_URL: 'https://dispatch.endeavor.test' } });
    try {
      const email = newEmail();
      await secure.users.createUser({ email, role: 'admin', password: PASSWORD }, new Date());
      const res = await postSession({ email, password: PASSWORD }, { target: secure });
      expect(res.status).toBe(204);
      expect((res.headers.get('set-cookie') ?? '').toLowerCase().split(';').map((a) => a.trim())).toContain('secure');
    } finally {
      await secure.close();
    }
  });

  it('treats the email without regard to case or surrounding spaces', async () => {
    const email = await createUser();
    expect((await postSession({ email: `  ${email.toUpperCase()} `, password: PASSWORD })).status).toBe(204);
  });

  it('answers a wrong password and an unknown email with the same 401 problem, and sets no cookie', async () => {
    const email = await createUser();
    const wrongPassword = await postSession({ email, password: 'not the password' });
    const unknownEmail = await postSession({ email: newEmail('nobody'), password: PASSWORD });
    for (const res of [wrongPassword, unknownEmail]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await wrongPassword.json()).toEqual(await unknownEmail.json());
  });

  it('answers 422 with paths for a bad body, 415 for a body that is not JSON and 400 for broken JSON', async () => {
    const missing = await postSession({ email: 'someone@endeavor.test' });
    expect(missing.status).toBe(422);
    expect((await missing.json()).errors).toEqual([{ path: 'password', message: expect.any(String) }]);
    const extra = await postSession({ email: 'someone@endeavor.test', password: 'x', remember: true });
    expect((await extra.json()).errors).toEqual([{ path: 'remember', message: 'is not a known field' }]);
    expect((await postSession('[]')).status).toBe(422);
    expect((await postSession('email=a&password=b', { contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await postSession('{"email":', {})).status).toBe(400);
  });
  // Sign-in limits: test/integration/access/sign-in-limits.test.ts (each with its own app and counters).
});

describe('the session cookie', () => {
  it('authenticates the JSON API until DELETE /api/v1/session signs out, which clears the cookie and ends the session', async () => {
    const cookie = await signIn(app, 'mash');
    const user = asUser(app, cookie);
    expect((await user.get('/api/v1/organisations')).status).toBe(200);

    const out = await user.delete('/api/v1/session');
    expect(out.status).toBe(204);
    const cleared = out.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/^endeavor_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);

    expect((await user.get('/api/v1/organisations')).status).toBe(401);
    expect((await asUser(app, undefined).delete('/api/v1/session')).status).toBe(204);
  });

  it('audits a sign-out through DELETE /api/v1/session and through the /logout form, by user id', async () => {
    const userIdOf = async (cookie: string) => (await app.sessions.get(cookie.split('=')[1]!, new Date()))!.userId;
    const signOutsOf = async (userId: string) => (await app.stores.audit.recent(1000)).filter((e) => e.action === 'sign-out' && e.subject === `user:${userId}`);

    const apiCookie = await signIn(app, 'mash');
    const apiUser = await userIdOf(apiCookie);
    expect((await asUser(app, apiCookie).delete('/api/v1/session')).status).toBe(204);
    expect(await signOutsOf(apiUser)).toEqual([{ at: expect.any(String), actor: `user:${apiUser}`, action: 'sign-out', subject: `user:${apiUser}` }]);

    const formCookie = await signIn(app, 'mash');
    const formUser = await userIdOf(formCookie);
    const page = await (await fetch(`${app.url}/dashboard`, { headers: { cookie: formCookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${app.url}/logout`, {
      method: 'POST',
      headers: { cookie: formCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(await signOutsOf(formUser)).toEqual([{ at: expect.any(String), actor: `user:${formUser}`, action: 'sign-out', subject: `user:${formUser}` }]);
  });

  it('keeps only a digest of the token in Redis, with the role, a CSRF token and an idle expiry', async () => {
    const cookie = await signIn(app, 'admin');
    const token = cookie.split('=')[1]!;
    const keys = await app.redis.keys(`${app.config.queuePrefix}:session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(token);
      expect(await app.redis.get(key)).not.toContain(token);
    }
    const sessions = await Promise.all(keys.map(async (key) => ({ key, value: JSON.parse((await app.redis.get(key))!) })));
    const admins = sessions.filter((s) => s.value.role === 'admin');
    expect(admins.length).toBeGreaterThan(0);
    expect(admins[0]!.value).toEqual({ userId: expect.stringMatching(/^usr_/), email: expect.stringMatching(/@endeavor\.test$/), role: 'admin', csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), createdAt: expect.any(String) });
    const ttl = await app.redis.ttl(admins[0]!.key);
    expect(ttl).toBeGreaterThan(SESSION_IDLE_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(SESSION_IDLE_SECONDS);
  });

  it('replaces an earlier session of the same browser when signing in again', async () => {
    const email = await createUser();
    const first = cookieOf(await postSession({ email, password: PASSWORD }))!;
    const second = cookieOf(await postSession({ email, password: PASSWORD }, { cookie: first }))!;
    expect(second).not.toBe(first);
    expect((await asUser(app, first).get('/api/v1/organisations')).status).toBe(401);
    expect((await asUser(app, second).get('/api/v1/organisations')).status).toBe(200);
  });

  it('ends a session 24 hours after sign-in however much it is used', async () => {
    const start = new Date('2026-03-02T09:00:00Z');
    const user = await app.users.createUser({ email: newEmail(), role: 'mash' }, start);
    const { token } = (await app.sessions.create(user, app.users.keys.user(user.email), start))!;
    expect(await app.sessions.get(token, new Date(start.getTime() + 23 * 3600_000))).toMatchObject({ role: 'mash' });
    expect(await app.sessions.get(token, new Date(start.getTime() + 24 * 3600_000))).toBeUndefined();
    expect(await app.sessions.get(token, start)).toBeUndefined();
  });
});

describe('users and passwords', () => {
  it('stores passwords hashed with scrypt, never as given', async () => {
    const email = await createUser('admin');
    const raw = await app.redis.get(`${app.config.queuePrefix}:user:${email}`);
    expect(raw).not.toBeNull();
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain('correct horse');
    expect(JSON.parse(raw!)).toEqual({ id: expect.stringMatching(/^usr_[A-Za-z0-9]{20}$/), email, name: email, role: 'admin', active: true, passwordHash: expect.stringMatching(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/), createdAt: expect.any(String) });
  });

  it('reads a user stored before ids, names and the active flag with defaults, and gives it an id once', async () => {
    const email = newEmail('legacy');
    const legacy = { email, role: 'mash', passwordHash: 'scrypt$1$1$1$x$y', createdAt: '2026-01-05T09:00:00.000Z' };
    await app.redis.set(`${app.config.queuePrefix}:user:${email}`, JSON.stringify(legacy));
    await app.redis.sadd(`${app.config.queuePrefix}:users`, email);
    const first = (await app.users.get(email))!;
    expect(first).toMatchObject({ ...legacy, id: expect.stringMatching(/^usr_/), name: email, active: true });
    expect((await app.users.get(email))!.id).toBe(first.id);
    expect((await app.users.getById(first.id))?.email).toBe(email);
  });

  it('refuses to create a second user with the same email in any case', async () => {
    const email = await createUser();
    await expect(app.users.createUser({ email: email.toUpperCase(), role: 'admin', password: 'another-password-1' }, new Date())).rejects.toThrow(/already exists/);
    expect((await app.users.get(email))?.role).toBe('mash');
  });
});

describe('the first admin', () => {
  it('ensureAdmin creates exactly one admin when there are no users, and never a second', async () => {
    const fresh = await startTestApp();
    try {
      const first = { email: 'first.admin@endeavor.test', password: 'first-admin-password' };
      expect(await fresh.users.ensureAdmin(first, new Date())).toEqual({ created: true });
      expect(await fresh.users.ensureAdmin(first, new Date())).toEqual({ created: false });
      expect(await fresh.users.ensureAdmin({ email: 'second.admin@endeavor.test', password: 'second-admin-password' }, new Date())).toEqual({ created: false });
      expect(await fresh.users.count()).toBe(1);
      expect(await fresh.users.get('second.admin@endeavor.test')).toBeUndefined();
      expect((await postSession(first, { target: fresh })).status).toBe(204);
    } finally {
      await fresh.close();
    }
  });

  it('ensureAdmin creates one admin even when two processes start at once', async () => {
    const fresh = await startTestApp();
    try {
      const results = await Promise.all(
        ['a', 'b', 'c'].map((n) => fresh.users.ensureAdmin({ email: `admin-${n}@endeavor.test`, password: 'racing-admin-password' }, new Date())),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await fresh.users.count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('ensureAdmin creates nothing when there are users already', async () => {
    const fresh = await startTestApp();
    try {
      await fresh.users.createUser({ email: 'mash.only@endeavor.test', role: 'mash', password: 'mash-only-password' }, new Date());
      expect(await fresh.users.ensureAdmin({ email: 'late.admin@endeavor.test', password: 'late-admin-password' }, new Date())).toEqual({ created: false });
      expect(await fresh.users.count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('outside production without ADMIN_EMAIL, creates a development admin on a .test address with a one-time random password', async () => {
    const fresh = await startTestApp();
    try {
      const created = await ensureFirstAdmin(fresh.stores, { admin: undefined, developmentAdmin: true }, new Date());
      expect(created).toEqual({ kind: 'development', email: DEVELOPMENT_ADMIN_EMAIL, password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/) });
      if (created.kind !== 'development') throw new Error('unreachable');
      expect((await postSession({ email: created.email, password: created.password }, { target: fresh })).status).toBe(204);
      expect(await ensureFirstAdmin(fresh.stores, { admin: undefined, developmentAdmin: true }, new Date())).toEqual({ kind: 'none' });
      expect(await fresh.users.count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('audits the first admin it creates, from ADMIN_EMAIL or for development, as the system and by id', async () => {
    for (const config of [
      { admin: { email: 'configured.admin@endeavor.test', password: 'configured-admin-secret' }, developmentAdmin: false, detail: 'role admin; first admin from ADMIN_EMAIL' },
      { admin: undefined, developmentAdmin: true, detail: 'role admin; development admin' },
    ]) {
      const fresh = await startTestApp();
      try {
        await ensureFirstAdmin(fresh.stores, config, new Date());
        const [admin] = await fresh.users.list();
        expect(await fresh.stores.audit.recent()).toEqual([{ at: expect.any(String), actor: 'system', action: 'user.create', subject: `user:${admin!.id}`, detail: config.detail }]);
        await ensureFirstAdmin(fresh.stores, config, new Date());
        expect(await fresh.stores.audit.recent()).toHaveLength(1);
      } finally {
        await fresh.close();
      }
    }
  });

  it('without ADMIN_EMAIL and not asked for a development admin (strict mode, or the api alone), invents no user', async () => {
    const fresh = await startTestApp();
    try {
      expect(await ensureFirstAdmin(fresh.stores, { admin: undefined, developmentAdmin: false }, new Date())).toEqual({ kind: 'none' });
      expect(await fresh.users.count()).toBe(0);
      expect(await fresh.stores.audit.recent()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
