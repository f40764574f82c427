import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser } from '../../helpers/dashboard';
import { uniqueId } from '../../helpers/factories';

const PASSWORD = 'correct horse battery staple (fictional)';
const newEmail = () => `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;

/** The app's clock, moved by the tests: TOTP codes belong to 30-second steps. */
let clock = new Date('2026-11-30T10:00:00Z').getTime();
const now = () => new Date(clock);
const codeAt = (secret: string, at = clock) => generate({ secret, epoch: Math.floor(at / 1000) });

async function postSession(target: TestApp, body: unknown) {
  const res = await fetch(`${target.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

/** Enrols through the API with the session `cookie`; answers the secret, the recovery codes and the cookie after. */
async function enrol(target: TestApp, cookie: string) {
  const me = asUser(target, cookie);
  const start = await me.post('/api/v1/session/totp', { json: {} });
  expect(start.status).toBe(200);
  expect(start.headers.get('cache-control')).toBe('no-store');
  const { secret, otpauthUri } = await start.json();
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
  const confirm = await me.put('/api/v1/session/totp', { code: await codeAt(secret) });
  expect(confirm.status).toBe(200);
  const { recoveryCodes } = await confirm.json();
  return { secret: secret as string, recoveryCodes: recoveryCodes as string[], cookie: confirm.headers.get('set-cookie')?.split(';')[0] ?? cookie };
}

describe('TOTP (RFC 6238) for password accounts', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { NODE_ENV: 'development' }, now });
  });
  afterAll(async () => {
    await app.close();
  });

  it('enrols with a first code, then wants a code at sign-in, accepts each code once, and each recovery code once', async () => {
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const { cookie } = await postSession(app, { email, password: PASSWORD });
    const me = asUser(app, cookie!);
    const { secret } = await (await me.post('/api/v1/session/totp', { json: {} })).json();
    // A reload shows the same secret until it is confirmed.
    expect((await (await me.post('/api/v1/session/totp', { json: {} })).json()).secret).toBe(secret);
    const wrong = await me.put('/api/v1/session/totp', { code: '000000' === (await codeAt(secret)) ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    const confirmed = await me.put('/api/v1/session/totp', { code: await codeAt(secret) });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = await confirmed.json();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await me.post('/api/v1/session/totp', { json: {} })).status).toBe(409);

    // The secret is never stored or answered in clear after enrolment, nor the recovery codes.
    const stored = (await app.redis.get(app.users.keys.user(email)))!;
    expect(stored).not.toContain(secret);
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    const listed = await asUser(app, await signIn(app, 'admin')).get('/api/v1/users');
    expect(listed.status).toBe(200);
    const text = await listed.text();
    expect(text).toContain('"totp":true');
    expect(text).not.toContain(secret);

    // The code that confirmed enrolment is spent; so is every code of its step.
    expect((await postSession(app, { email, password: PASSWORD })).status).toBe(401);
    expect((await postSession(app, { email, password: PASSWORD, code: await codeAt(secret) })).status).toBe(401);
    clock += 30_000;
    const fresh = await codeAt(secret);
    expect((await postSession(app, { email, password: PASSWORD, code: fresh })).status).toBe(204);
    expect((await postSession(app, { email, password: PASSWORD, code: fresh })).status).toBe(401);
    expect((await postSession(app, { email, password: 'not it', code: await codeAt(secret, clock + 30_000) })).status).toBe(401);

    expect((await postSession(app, { email, password: PASSWORD, code: recoveryCodes[0] })).status).toBe(204);
    expect((await postSession(app, { email, password: PASSWORD, code: recoveryCodes[0] })).status).toBe(401);
    expect((await postSession(app, { email, password: PASSWORD, code: recoveryCodes[1].toUpperCase() })).status).toBe(204);

    const actions = (await app.stores.audit.recent()).map((e) => e.action);
    expect(actions).toContain('totp.enrol');
  });

  it('lets only one of two parallel sign-ins with the same code through', async () => {
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const { secret } = await enrol(app, (await postSession(app, { email, password: PASSWORD })).cookie!);
    clock += 30_000;
    const code = await codeAt(secret);
    const results = await Promise.all([postSession(app, { email, password: PASSWORD, code }), postSession(app, { email, password: PASSWORD, code })]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 401]);
  });

  it('shows the enrolment page with the QR code drawn as inline SVG and the secret in text, under the strict CSP', async () => {
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const { cookie } = await postSession(app, { email, password: PASSWORD });
    const page = await fetch(`${app.url}/account/totp`, { headers: { cookie: cookie! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await page.text();
    expect(body).toMatch(/<svg [^>]*role="img"/);
    expect(body).not.toMatch(/<img|https?:\/\/(?!www\.w3\.org)/);
    const user = (await app.users.get(email))!;
    expect(user.pendingTotp).toBeDefined();
    const secret = (await (await asUser(app, cookie!).post('/api/v1/session/totp', { json: {} })).json()).secret as string;
    expect(body.replace(/\s/g, '')).toContain(secret);
  });
});

describe('strict mode (SPEC §8): TOTP is required of password accounts', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { NODE_ENV: 'production', SMTP_URL: 'smtps://relay.endeavor.test:465', SECRET_KEY: 'Zq3v9TtLr8wXp2mKc7NbY4hJd6FsQ1gA-strict', PUBLIC_BASE_URL: 'https://dispatch.endeavor.test' },
      now,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('signs a password user without TOTP in only to the enrolment step; after enrolling, sign-in takes { email, password, code }', async () => {
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const first = await postSession(app, { email, password: PASSWORD });
    expect(first.status).toBe(204);
    const limited = asUser(app, first.cookie!);
    const refused = await limited.get('/api/v1/organisations');
    expect(refused.status).toBe(403);
    expect((await refused.json()).type).toBe('urn:endeavor:problem:totp-enrolment-required');
    const board = await fetch(`${app.url}/dashboard`, { headers: { cookie: first.cookie! }, redirect: 'manual' });
    expect(board.status).toBe(303);
    expect(board.headers.get('location')).toBe('/account/totp');
    expect((await fetch(`${app.url}/account/totp`, { headers: { cookie: first.cookie! } })).status).toBe(200);

    const { secret, cookie } = await enrol(app, first.cookie!);
    expect(cookie).not.toBe(first.cookie);
    expect((await limited.get('/api/v1/organisations')).status).toBe(401);
    expect((await asUser(app, cookie).get('/api/v1/organisations')).status).toBe(200);

    expect((await postSession(app, { email, password: PASSWORD })).status).toBe(401);
    clock += 30_000;
    expect((await postSession(app, { email, password: PASSWORD, code: await codeAt(secret) })).status).toBe(204);
  });

  it('the /login form takes the code too', async () => {
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const { secret } = await enrol(app, (await postSession(app, { email, password: PASSWORD })).cookie!);
    clock += 30_000;
    const res = await fetch(`${app.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password: PASSWORD, code: await codeAt(secret) }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
  });

  it('an admin resets a lost phone (PATCH { resetTotp: true }): the user\'s sessions end, the old codes are worthless, the next sign-in is enrolment again; audited', async () => {
    const adminEmail = newEmail();
    await app.users.createUser({ email: adminEmail, name: 'Sample Admin', role: 'admin', password: PASSWORD }, now());
    const admin = await enrol(app, (await postSession(app, { email: adminEmail, password: PASSWORD })).cookie!);
    const email = newEmail();
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, now());
    const lost = await enrol(app, (await postSession(app, { email, password: PASSWORD })).cookie!);
    const { id } = (await app.users.get(email))!;

    const res = await asUser(app, admin.cookie).send('PATCH', `/api/v1/users/${id}`, { resetTotp: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, totp: false, password: true, active: true });
    expect((await asUser(app, lost.cookie).get('/api/v1/organisations')).status).toBe(401);
    expect(await app.users.get(email)).not.toHaveProperty('recoveryCodes');

    clock += 30_000;
    const again = await postSession(app, { email, password: PASSWORD, code: await codeAt(lost.secret) });
    expect(again.status).toBe(204);
    const refused = await asUser(app, again.cookie!).get('/api/v1/organisations');
    expect((await refused.json()).type).toBe('urn:endeavor:problem:totp-enrolment-required');
    const recovered = await postSession(app, { email, password: PASSWORD, code: lost.recoveryCodes[0] });
    expect((await (await asUser(app, recovered.cookie!).get('/api/v1/organisations')).json()).type).toBe('urn:endeavor:problem:totp-enrolment-required');
    const fresh = await enrol(app, again.cookie!);
    expect(fresh.secret).not.toBe(lost.secret);

    const adminId = (await app.users.get(adminEmail))!.id;
    const entry = (await app.stores.audit.recent(50)).find((e) => e.action === 'user.update' && e.subject === `user:${id}`);
    expect(entry).toMatchObject({ actor: `user:${adminId}`, detail: 'TOTP reset; sessions ended' });
  });
});

