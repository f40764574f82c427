import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createAuditLog } from '../../../src/access/audit.store';
import { createRedis, type RedisClient } from '../../../src/platform/redis';
import { loadConfig } from '../../../config/env';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { OIDC_CLIENT, browseSso, startOidcProvider } from '../../helpers/oidc-provider';
import { buildDistOnce, runProcess, waitForStatus, type Spawned } from '../../helpers/process';
import { freePort } from '../../helpers/redis-server';
import { keysOnEveryMaster } from '../../helpers/redis-topology';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { until as untilState } from '../../helpers/until';

/*
 * Issue 9, last "done when": the service run as README "Running in production" says (`npm run
 * build`, then `node dist/src/main.js --api` and `node dist/workers/main.js`), in strict mode
 * (NODE_ENV=production, every strict variable set to a generated value, an https
 * PUBLIC_BASE_URL), with
 * - single sign-on against a real OpenID provider served over https,
 * - the first admin (ADMIN_EMAIL/ADMIN_PASSWORD), a password user, enrolling TOTP and then
 *   signing in only with a valid code,
 * - one event delivered to a school's contact over SMTP upgraded with STARTTLS.
 * TLS is real: a throwaway CA made with openssl signs a certificate for 127.0.0.1, and the
 * service trusts it through NODE_EXTRA_CA_CERTS only (no insecure switch exists in strict mode).
 * The service speaks plain http on a free port; PUBLIC_BASE_URL is the https address a proxy
 * would serve, and this test plays that proxy by rewriting the prefix.
 */

const PUBLIC = 'https://dispatch.endeavor.test';
const ADMIN_EMAIL = 'lead@council.endeavor.test';
const SSO_EMAIL = 'sso-mash@council.endeavor.test';
const SCHOOL_URN = '990001';
const DSL_EMAIL = `dsl@school-${SCHOOL_URN}.endeavor.test`;
const FEED_ID = 'northumbria-prod-e2e';

/** `openssl rand -base64 32` style values: chosen, long, many different characters. */
const generated = (bytes = 32) => randomBytes(bytes).toString('base64url');
const ADMIN_PASSWORD = generated(24);
const FEED_KEY = generated();

let dir: string;
let caPem: string;
let smtp: TestSmtp;
let provider: Awaited<ReturnType<typeof startOidcProvider>>;
let api: Spawned;
let workers: Spawned;
let appUrl: string;
let env: Record<string, string>;
let redis: RedisClient;
const prefix = uniqueId('prod').replace(/[^A-Za-z0-9_-]/g, '_');

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost that it signs. */
function makeCertificates(at: string): { ca: string; key: string; cert: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: at, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Endeavor throwaway test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(at, 'server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const read = (name: string) => readFileSync(join(at, name), 'utf8');
  return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

/**
 * fetch, except that https requests (to the provider) trust the test CA, as the service does
 * through NODE_EXTRA_CA_CERTS; the vitest worker started before the CA existed. Never follows
 * redirects (browseSso follows them by hand).
 */
const caFetch: typeof fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol !== 'https:') return fetch(url, init);
  const headers = new Headers(init.headers);
  const body = typeof init.body === 'string' ? init.body : undefined;
  return new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers: Object.fromEntries(headers), ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
        }
        const status = res.statusCode ?? 500;
        resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
};

/** Maps the public https address onto where the service listens, as the TLS proxy would. */
const rewrite = (url: URL) => (url.origin === PUBLIC ? new URL(url.pathname + url.search, appUrl) : url);

const cookieOf = (res: Response, name = 'endeavor_session') =>
  res.headers.getSetCookie().map((line) => line.split(';')[0]!).find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);

async function call(method: string, path: string, options: { cookie?: string; json?: unknown; key?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  return fetch(appUrl + path, { method, headers, redirect: 'manual', ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) });
}

/** Resolves once `check` holds, polling state (the shared helper); throws after `timeoutMs`. */
const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> => {
  await untilState(check, (ok) => ok, what, timeoutMs);
};

/** The newest audit entry the service wrote for this action (read from its Redis, same prefix). */
const lastAudit = async (action: string) => (await createAuditLog(redis, prefix).recent(50)).find((e) => e.action === action);

const logsOf = (run: Spawned) => `${run.stdout().slice(-3000)}\n${run.stderr().slice(-3000)}`;

beforeAll(async () => {
  await buildDistOnce();

  dir = mkdtempSync(join(tmpdir(), 'endeavor-prod-e2e-'));
  const tls = makeCertificates(dir);
  caPem = tls.ca;
  smtp = await startTestSmtp({ tls: { key: tls.key, cert: tls.cert } });
  provider = await startOidcProvider(
    { 'acct-mash': { email: SSO_EMAIL, email_verified: true, role: 'admin' } },
    `${PUBLIC}/auth/oidc/callback`,
    { tls: { key: tls.key, cert: tls.cert } },
  );
  expect(provider.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: prefix,
    PUBLIC_BASE_URL: PUBLIC,
    SECRET_KEY: generated(),
    INTAKE_API_KEYS: `${FEED_ID}:${FEED_KEY}`,
    SMTP_URL: `${smtp.url}?requireTLS=true`,
    MAIL_FROM: 'Operation Endeavor <endeavor@council.endeavor.test>',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    METRICS_TOKEN: generated(),
    NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    SHUTDOWN_TIMEOUT_MS: '10000',
    SWEEP_INTERVAL_SECONDS: '1',
  };
  // Exactly what strict mode checks, in this process too: refused values would throw here.
  expect(loadConfig(env).production).toBe(true);
  redis = createRedis(loadConfig(env).redis, 'request');

  api = runProcess('node', ['dist/src/main.js', '--api'], env);
  workers = runProcess('node', ['dist/workers/main.js'], env);
  try {
    await waitForStatus(`${appUrl}/healthz`, 200, 90_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\napi:\n${logsOf(api)}\nworkers:\n${logsOf(workers)}`);
  }
}, 300_000);

afterAll(async () => {
  for (const run of [api, workers]) {
    if (!run || run.child.exitCode !== null) continue;
    run.child.kill('SIGTERM');
    const stopped = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('late'), 20_000))]);
    if (stopped === 'late') run.child.kill('SIGKILL');
  }
  if (redis) {
    const keys = await keysOnEveryMaster(redis, `${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await smtp?.close();
  await provider?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('in production: the compiled service in strict mode, with SSO, TOTP and STARTTLS', () => {
  let adminSecret = '';
  let adminSession = '';

  it('starts strict (not refused), with HSTS, and the workers report in', async () => {
    expect(api.child.exitCode, logsOf(api)).toBeNull();
    expect(workers.child.exitCode, logsOf(workers)).toBeNull();
    expect(api.stderr()).not.toMatch(/invalid configuration/);
    // Only strict mode warns about an empty directory (development loads the sample one).
    await until(() => api.stdout().includes('the directory is empty'), 'the strict empty-directory warning');
    // Strict mode never starts the development mail sink nor loads the sample directory.
    expect(api.stdout()).not.toMatch(/development sink|sample directory loaded/);
    await until(async () => (await fetch(`${appUrl}/readyz`)).status === 200, '/readyz (a worker heart-beat)', 90_000);
    const res = await fetch(`${appUrl}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(await res.text()).toContain('Sign in with the council account');
  });

  it('signs the first admin (a password user) in only to TOTP enrolment, then only with a valid code', async () => {
    const first = await call('POST', '/api/v1/session', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(first.status).toBe(204);
    expect(first.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const setCookie = first.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/endeavor_session=[^;]+;.*Secure/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    const enrolling = cookieOf(first)!;
    const refused = await call('GET', '/api/v1/organisations', { cookie: enrolling });
    expect(refused.status).toBe(403);
    expect((await refused.json()).type).toBe('urn:endeavor:problem:totp-enrolment-required');

    const started = await call('POST', '/api/v1/session/totp', { cookie: enrolling, json: {} });
    expect(started.status).toBe(200);
    adminSecret = (await started.json()).secret;
    const confirmed = await call('PUT', '/api/v1/session/totp', { cookie: enrolling, json: { code: await generate({ secret: adminSecret }) } });
    expect(confirmed.status).toBe(200);
    expect((await confirmed.json()).recoveryCodes).toHaveLength(10);
    expect(cookieOf(confirmed)).toBeDefined();

    // Now the password alone, or with a wrong code, is refused; a fresh valid code signs in.
    // (The code of the next 30-second step: the enrolment spent this one; one step of drift is allowed.)
    expect((await call('POST', '/api/v1/session', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).status).toBe(401);
    const next = await generate({ secret: adminSecret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const wrong = next === '000000' ? '111111' : '000000';
    expect((await call('POST', '/api/v1/session', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, code: wrong } })).status).toBe(401);
    const signedIn = await call('POST', '/api/v1/session', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, code: next } });
    expect(signedIn.status).toBe(204);
    adminSession = cookieOf(signedIn)!;
    expect((await lastAudit('sign-in'))?.detail).toBe('password+totp');
    expect((await lastAudit('sign-in.failed'))?.detail).toMatch(/totp|code/i);
    expect((await call('GET', '/api/v1/users', { cookie: adminSession })).status).toBe(200);
  });

  it('lets the admin load the school and name the SSO user, through the API', async () => {
    expect(adminSession).not.toBe('');
    const put = await call('PUT', `/api/v1/organisations/school/${SCHOOL_URN}`, {
      cookie: adminSession,
      json: {
        name: `Fictional School ${SCHOOL_URN}`,
        locality: 'Alnwick',
        postcode: 'NE66 1AA',
        contacts: [{ name: `DSL ${SCHOOL_URN}`, email: DSL_EMAIL, role: 'dsl' }],
      },
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const created = await call('POST', '/api/v1/users', { cookie: adminSession, json: { email: SSO_EMAIL, name: 'Sample Mash Worker', role: 'mash' } });
    expect(created.status, await created.clone().text()).toBe(201);
  });

  it('signs the SSO user in through the https provider, with our role (mash), not the provider\'s', async () => {
    const { response, body, cookies } = await browseSso(`${PUBLIC}/auth/oidc/login`, 'acct-mash', { rewrite, fetch: caFetch });
    expect(response.status, body.slice(0, 2000)).toBe(200);
    expect(body).toContain('Signed in');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const token = cookies.get(new URL(appUrl).host)?.get('endeavor_session');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = `endeavor_session=${token}`;
    expect((await call('GET', '/api/v1/organisations', { cookie })).status).toBe(200);
    expect((await call('GET', '/api/v1/users', { cookie })).status).toBe(403);
    expect(await lastAudit('sign-in')).toMatchObject({ detail: 'sso' });
  });

  it('delivers an event to the school\'s contact over SMTP upgraded with STARTTLS, with https links', async () => {
    const event = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: SCHOOL_URN, postcodeDistrict: 'NE66' } });
    const refused = await call('POST', '/api/v1/events', { json: event, key: generated() });
    expect(refused.status).toBe(401);
    const accepted = await call('POST', '/api/v1/events', { json: event, key: FEED_KEY });
    expect(accepted.status, await accepted.clone().text()).toBe(202);
    expect(accepted.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);

    let mails;
    try {
      mails = await smtp.waitFor((all) => all.some((m) => m.to.includes(DSL_EMAIL)), 120_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nworkers:\n${logsOf(workers)}`);
    }
    const mail = mails.find((m) => m.to.includes(DSL_EMAIL))!;
    expect(mail.secure).toBe(true);
    expect(mail.text).toContain(`${PUBLIC}/`);
    expect(mail.text).not.toMatch(/http:\/\//);
  }, 180_000);

  it('stops on SIGTERM as docker stop does: the api and the workers drain and exit 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const signalled = Date.now();
    for (const run of [api, workers]) run.child.kill('SIGTERM');
    const codes = await Promise.all([api.exited, workers.exited]);
    expect(codes, `api:\n${logsOf(api)}\nworkers:\n${logsOf(workers)}`).toEqual([0, 0]);
    // SHUTDOWN_TIMEOUT_MS is 10 s here; past it the process would exit 1.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(workers.stdout()).toMatch(/"msg":"workers stopped"/);
    expect(api.stdout()).toMatch(/"msg":"shut down"/);
  }, 60_000);
});

