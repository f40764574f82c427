import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { uniqueId } from '../../helpers/factories';

const PASSWORD = 'correct horse battery staple (fictional)';
const newEmail = (label = 'user') => `${label}-${uniqueId('u').toLowerCase()}@endeavor.test`;

let app: TestApp;
let adminCookie: string;
beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  adminCookie = await signIn(app, 'admin');
});
afterAll(async () => {
  await app.close();
});

async function passwordSignIn(target: TestApp, email: string, password = PASSWORD) {
  const res = await fetch(`${target.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

describe('users API (SPEC §8)', () => {
  it('creates a named user: 201 { id, email, name, role, active } with a Location, listed for admins', async () => {
    const email = newEmail('mash');
    const res = await asUser(app, adminCookie).post('/api/v1/users', { json: { email: email.toUpperCase(), name: 'Sample Worker', role: 'mash', password: PASSWORD } });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({ id: expect.stringMatching(/^usr_[A-Za-z0-9]{20}$/), email, name: 'Sample Worker', role: 'mash', active: true });
    expect(res.headers.get('location')).toBe(`/api/v1/users/${body.id}`);
    expect((await passwordSignIn(app, email)).status).toBe(204);

    const listResponse = await asUser(app, adminCookie).get('/api/v1/users');
    expect(listResponse.headers.get('cache-control')).toBe('no-store');
    const list = await listResponse.json();
    const listed = list.users.find((u: { id: string }) => u.id === body.id);
    expect(listed).toEqual({ ...body, createdAt: expect.any(String), totp: false, password: true });
    expect(JSON.stringify(list)).not.toMatch(/scrypt|passwordHash/);

    const admin = await app.sessions.get(adminCookie.split('=')[1]!, new Date());
    const created = (await app.stores.audit.recent(1000)).filter((e) => e.action === 'user.create' && e.subject === `user:${body.id}`);
    expect(created).toEqual([{ at: expect.any(String), actor: `user:${admin!.userId}`, action: 'user.create', subject: `user:${body.id}`, detail: 'role mash' }]);
  });

  it('answers 409 for an email that exists in any case, 422 with paths for a bad body', async () => {
    const email = newEmail();
    expect((await asUser(app, adminCookie).post('/api/v1/users', { json: { email, name: 'Sample One', role: 'mash' } })).status).toBe(201);
    const again = await asUser(app, adminCookie).post('/api/v1/users', { json: { email: email.toUpperCase(), name: 'Sample Two', role: 'admin' } });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const bad = await asUser(app, adminCookie).post('/api/v1/users', { json: { email: 'not-an-email', name: '', role: 'owner', password: 'short', extra: 1 } });
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'extra', 'name', 'password', 'role']);
  });

  it('refuses a name with a right-to-left override or another bidirectional control (422 on name)', async () => {
    for (const name of ['Ev\u202eil Worker', 'Sample\u2066 Worker', 'Sample\u200f Worker']) {
      const res = await asUser(app, adminCookie).post('/api/v1/users', { json: { email: newEmail(), name, role: 'mash' } });
      expect(res.status, JSON.stringify(name)).toBe(422);
      expect((await res.json()).errors.map((e: { path: string }) => e.path)).toEqual(['name']);
    }
  });

  it('is for admins only: mash gets 403, nobody 401', async () => {
    const mash = asUser(app, await signIn(app, 'mash'));
    expect((await mash.get('/api/v1/users')).status).toBe(403);
    expect((await mash.post('/api/v1/users', { json: { email: newEmail(), name: 'Sample', role: 'admin' } })).status).toBe(403);
    expect((await asUser(app, undefined).get('/api/v1/users')).status).toBe(401);
  });

  it('deactivating a user ends all their sessions at once and refuses their next sign-in; it is audited', async () => {
    const email = newEmail('leaver');
    const { id } = await (await asUser(app, adminCookie).post('/api/v1/users', { json: { email, name: 'Sample Leaver', role: 'mash', password: PASSWORD } })).json();
    const first = (await passwordSignIn(app, email)).cookie!;
    const second = (await passwordSignIn(app, email)).cookie!;
    for (const cookie of [first, second]) expect((await asUser(app, cookie).get('/api/v1/organisations')).status).toBe(200);

    const res = await asUser(app, adminCookie).send('PATCH', `/api/v1/users/${id}`, { active: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, active: false });
    for (const cookie of [first, second]) expect((await asUser(app, cookie).get('/api/v1/organisations')).status).toBe(401);
    expect((await passwordSignIn(app, email)).status).toBe(401);

    const entry = (await app.stores.audit.recent()).find((e) => e.action === 'user.update' && e.subject === `user:${id}`);
    expect(entry?.detail).toBe('deactivated; sessions ended');
    expect(entry?.actor).toMatch(/^user:usr_/);

    expect((await asUser(app, adminCookie).send('PATCH', `/api/v1/users/${id}`, { active: true })).status).toBe(200);
    expect((await passwordSignIn(app, email)).status).toBe(204);
  });

  it('a role change applies at once: the old sessions end and the next sign-in has the new role', async () => {
    const email = newEmail('promoted');
    const { id } = await (await asUser(app, adminCookie).post('/api/v1/users', { json: { email, name: 'Sample Promoted', role: 'mash', password: PASSWORD } })).json();
    const before = (await passwordSignIn(app, email)).cookie!;
    expect((await asUser(app, before).get('/api/v1/users')).status).toBe(403);
    expect((await asUser(app, adminCookie).send('PATCH', `/api/v1/users/${id}`, { role: 'admin' })).status).toBe(200);
    expect((await asUser(app, before).get('/api/v1/users')).status).toBe(401);
    const after = (await passwordSignIn(app, email)).cookie!;
    expect((await asUser(app, after).get('/api/v1/users')).status).toBe(200);
  });

  it('answers 404 for an unknown id and 422 for a bad change', async () => {
    expect((await asUser(app, adminCookie).send('PATCH', '/api/v1/users/usr_aaaaaaaaaaaaaaaaaaaa', { active: false })).status).toBe(404);
    expect((await asUser(app, adminCookie).send('PATCH', '/api/v1/users/../users', { active: false })).status).toBe(404);
    const users = (await (await asUser(app, adminCookie).get('/api/v1/users')).json()).users;
    for (const body of [{}, { role: 'owner' }, { active: 'no' }, { email: 'x@endeavor.test' }]) {
      expect((await asUser(app, adminCookie).send('PATCH', `/api/v1/users/${users[0].id}`, body)).status).toBe(422);
    }
  });
});

describe('the last admin', () => {
  it('cannot deactivate or demote themselves while no other admin is active; can once there is one', async () => {
    const own = await startTestApp({ env: { NODE_ENV: 'development' } });
    try {
      const email = newEmail('admin');
      const me = await own.users.createUser({ email, name: 'Sample Admin', role: 'admin', password: PASSWORD }, new Date());
      const cookie = (await passwordSignIn(own, email)).cookie!;
      const admin = asUser(own, cookie);
      for (const change of [{ active: false }, { role: 'mash' }]) {
        const res = await admin.send('PATCH', `/api/v1/users/${me.id}`, change);
        expect(res.status).toBe(409);
        expect((await res.json()).detail).toMatch(/no active admin/);
      }
      const other = await (await admin.post('/api/v1/users', { json: { email: newEmail('admin'), name: 'Sample Other', role: 'admin' } })).json();
      // A deactivated admin does not count.
      expect((await admin.send('PATCH', `/api/v1/users/${other.id}`, { active: false })).status).toBe(200);
      expect((await admin.send('PATCH', `/api/v1/users/${me.id}`, { role: 'mash' })).status).toBe(409);
      expect((await admin.send('PATCH', `/api/v1/users/${other.id}`, { active: true })).status).toBe(200);
      expect((await admin.send('PATCH', `/api/v1/users/${me.id}`, { role: 'mash' })).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('PUT /api/v1/session/password', () => {
  it('changes the own password after checking the current one, and ends the other sessions but not this one', async () => {
    const email = newEmail('mash');
    await app.users.createUser({ email, name: 'Sample Changer', role: 'mash', password: PASSWORD }, new Date());
    const here = (await passwordSignIn(app, email)).cookie!;
    const elsewhere = (await passwordSignIn(app, email)).cookie!;
    const me = asUser(app, here);

    const wrong = await me.put('/api/v1/session/password', { currentPassword: 'not it', newPassword: 'a brand new passphrase' });
    expect(wrong.status).toBe(422);
    expect((await wrong.json()).errors).toEqual([{ path: 'currentPassword', message: 'is not right' }]);
    expect((await me.put('/api/v1/session/password', { currentPassword: PASSWORD, newPassword: 'short' })).status).toBe(422);

    expect((await me.put('/api/v1/session/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })).status).toBe(204);
    expect((await me.get('/api/v1/organisations')).status).toBe(200);
    expect((await asUser(app, elsewhere).get('/api/v1/organisations')).status).toBe(401);
    expect((await passwordSignIn(app, email)).status).toBe(401);
    expect((await passwordSignIn(app, email, 'a brand new passphrase')).status).toBe(204);
    const actions = (await app.stores.audit.recent()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['password.change', 'password.change-failed']));
    expect((await asUser(app, undefined).put('/api/v1/session/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })).status).toBe(401);
  });
});
