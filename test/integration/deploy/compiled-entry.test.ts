import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore } from '../../../src/delivery/delivery.store';
import { createRedis, redisReady } from '../../../src/platform/redis';
import { createStores } from '../../../src/stores';
import { FEED_A, TEST_SECRET, startTestApp, type TestApp } from '../../helpers/app';
import { execForm, readDockerfile } from '../../helpers/dockerfile';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { ROOT, buildDistOnce, runProcess, waitForStatus, type ProcessEnv, type Spawned } from '../../helpers/process';
import { freePort, startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { until as untilState } from '../../helpers/until';

/*
 * SPEC §12: the image runs compiled JavaScript, and `docker stop` is a graceful shutdown with a
 * deadline. These tests build dist/ (`npm run build`) and start the very command the
 * Dockerfile's CMD names (and compose's workers command), outside Docker, against a private
 * redis-server and the test SMTP server. tini, the image's init, hands SIGTERM to node, its
 * direct child: here the test does that.
 */
const image = readDockerfile().at(-1)!;
const API_COMMAND = execForm(image, 'CMD');
const WORKERS_COMMAND = ['node', 'dist/workers/main.js'];
const SHUTDOWN_TIMEOUT_MS = 2000;

let redis: RedisServerHandle;
let smtp: TestSmtp;
const running: Spawned[] = [];

beforeAll(async () => {
  await buildDistOnce();
  redis = await startRedisServer();
  smtp = await startTestSmtp({ replyDelayMs: 1500 });
}, 300_000);
afterAll(async () => {
  for (const run of running) run.child.kill('SIGKILL');
  await smtp?.close();
  await redis?.stop();
});

function start(command: string[], env: ProcessEnv): Spawned {
  const run = runProcess(command[0]!, command.slice(1), {
    NODE_ENV: 'development',
    REDIS_URL: redis.url,
    SMTP_URL: `${smtp.url}?requireTLS=false`,
    SECRET_KEY: TEST_SECRET,
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...env,
  });
  running.push(run);
  return run;
}

/** Resolves once `check` holds, polling state (the shared helper); throws after `timeoutMs`. */
const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> => {
  await untilState(check, (ok) => ok, what, timeoutMs);
};

const prefix = () => uniqueId('dist').replace(/[^A-Za-z0-9_-]/g, '_');

describe('the compiled service (npm run build, node dist/…)', () => {
  it('emits the entry points, the directory CLI and the assets read beside them', () => {
    for (const file of ['dist/src/main.js', 'dist/workers/main.js', 'dist/scripts/directory.js', 'dist/src/platform/assets/app.css', 'dist/src/platform/assets/board.js']) {
      expect(existsSync(resolve(ROOT, file)), file).toBe(true);
    }
  });

  it('is what the image runs: tini as init, node itself as the command (no npm, no shell)', () => {
    expect(execForm(image, 'ENTRYPOINT')).toEqual(['/usr/bin/tini', '--']);
    expect(API_COMMAND).toEqual(['node', 'dist/src/main.js', '--api']);
  });

  it('runs the directory CLI compiled, as `npm run directory` does in the image', async () => {
    const run = runProcess('node', ['dist/scripts/directory.js', 'load-sample'], { REDIS_URL: redis.url, QUEUE_PREFIX: prefix(), LOG_LEVEL: 'warn' });
    expect(await run.exited, run.stderr()).toBe(0);
    expect(JSON.parse(run.stdout())).toMatchObject({ loaded: expect.any(Number) });
  });

  it('runs `npm run directory -- create-user` as the image does: its package.json, dist/ and production dependencies only, strict mode', async () => {
    const dir = imageLikeDirectory();
    try {
      const queuePrefix = prefix();
      const run = runProcess('npm', ['run', '--silent', 'directory', '--', 'create-user', 'lead.admin@council.endeavor.test', '--role', 'admin'], {
        ...imageEnv(),
        ...STRICT_ENV,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: queuePrefix,
        ENDEAVOR_PASSWORD: 'Qm4-fictional-operator-passphrase',
        // Resolve packages from the copy's own node_modules, as the image's npm ci --omit=dev lays them out.
        NODE_PRESERVE_SYMLINKS: '1',
      }, { cwd: dir });
      expect(await run.exited, run.stderr()).toBe(0);
      expect(JSON.parse(run.stdout())).toMatchObject({ email: 'lead.admin@council.endeavor.test', role: 'admin' });
      const client = createRedis(redis.url, 'request');
      try {
        await redisReady(client);
        const { users, audit } = createStores(client, queuePrefix);
        const user = await users.verify('lead.admin@council.endeavor.test', 'Qm4-fictional-operator-passphrase');
        expect(user).toMatchObject({ role: 'admin', active: true });
        expect((await audit.recent()).map((e) => [e.actor, e.action, e.subject])).toEqual([[expect.stringMatching(/^cli:/), 'user.create', `user:${user!.id}`]]);
      } finally {
        client.disconnect();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves as the image CMD, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const run = start(API_COMMAND, { QUEUE_PREFIX: prefix(), PORT: String(port) });
    await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200, 60_000);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stdout().slice(-4000) + run.stderr()).toBe(0);
  });

  it('drains the workers on SIGTERM: sends in flight finish, nothing is left sending, exit 0', async () => {
    let app: TestApp | undefined;
    const healthDir = mkdtempSync(join(tmpdir(), 'endeavor-health-'));
    const healthFile = join(healthDir, 'alive');
    try {
      app = await startTestApp({ redisUrl: redis.url });
      await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { locality: 'Alnwick' }), practice('Y90001', { locality: 'Alnwick' })]);
      const child = { ...reportedEvent().child, postcodeDistrict: 'NE66' };
      for (let i = 0; i < 3; i += 1) expect((await app.post('/api/v1/events', reportedEvent({ child }))).status).toBe(202);

      const run = start([...WORKERS_COMMAND, '--health-file', healthFile], { QUEUE_PREFIX: app.config.queuePrefix, SHUTDOWN_TIMEOUT_MS: '20000' });
      await until(() => existsSync(healthFile), 'the health file', 60_000);
      expect(Date.now() - statSync(healthFile).mtimeMs).toBeLessThan(20_000);
      await until(() => smtp.attempts > 0, 'a send in flight', 60_000);
      run.child.kill('SIGTERM');
      expect(await run.exited, run.stdout().slice(-2000)).toBe(0);

      // Every send that had started was finished and accepted; no delivery was left mid-send.
      expect(smtp.mails.length).toBe(smtp.attempts);
      expect(smtp.mails.length).toBeGreaterThan(0);
      const deliveries = createDeliveryStore(app.redis, app.config.queuePrefix);
      expect(await deliveries.withStatus('sending')).toEqual([]);
      expect((await deliveries.withStatus('sent')).length).toBe(smtp.mails.length);
      expect(run.stdout()).toMatch(/"msg":"workers stopped"/);
    } finally {
      await app?.close();
      rmSync(healthDir, { recursive: true, force: true });
    }
  });

  it('runs API_PROCESSES processes on one port, and on SIGTERM drains each one\'s request in flight, then exits 0', async () => {
    const port = await freePort();
    const run = start(API_COMMAND, { QUEUE_PREFIX: prefix(), PORT: String(port), API_PROCESSES: '2' });
    await until(() => logLines(run, 'listening').length === 2, 'two API processes listening', 60_000);
    const pids = new Set(logLines(run, 'listening').map((line) => line.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(run.child.pid)).toBe(false);

    // One kept-alive connection per API process, each found by asking the log who answered it.
    const connections = new Map<unknown, Agent>();
    for (let i = 0; connections.size < 2; i += 1) {
      if (i === 8) throw new Error('8 connections did not reach both API processes');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const requestId = randomUUID();
      const probe = await httpRequest(port, agent, { method: 'GET', path: '/healthz', headers: { 'x-request-id': requestId } });
      expect(probe.status).toBe(200);
      await until(() => servedBy(run, requestId) !== undefined, 'the probe in the request log');
      const pid = servedBy(run, requestId);
      if (connections.has(pid)) agent.destroy();
      else connections.set(pid, agent);
    }

    // On each: an event whose headers have been read (100 Continue) but whose body is not sent yet.
    const posts = [...connections.values()].map((agent) => {
      const body = JSON.stringify(reportedEvent());
      const requestId = randomUUID();
      const req = request({
        host: '127.0.0.1',
        port,
        agent,
        method: 'POST',
        path: '/api/v1/events',
        headers: {
          authorization: `Bearer ${FEED_A.key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
          connection: 'close',
          'x-request-id': requestId,
        },
      });
      const continued = new Promise<void>((resolve) => req.once('continue', () => resolve()));
      const answered = new Promise<number>((resolve, reject) => {
        req.once('response', (res: IncomingMessage) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
        });
        req.once('error', reject);
      });
      req.flushHeaders();
      return { req, body, requestId, continued, answered };
    });
    await Promise.all(posts.map((post) => post.continued));

    run.child.kill('SIGTERM');
    await until(() => [...pids].every((pid) => logLines(run, 'shutting down').some((line) => line.pid === pid)), 'both API processes shutting down');
    for (const post of posts) post.req.end(post.body);
    expect(await Promise.all(posts.map((post) => post.answered))).toEqual([202, 202]);
    expect(await run.exited, run.stdout().slice(-3000)).toBe(0);

    expect(new Set(posts.map((post) => servedBy(run, post.requestId)))).toEqual(pids);
    for (const pid of pids) expect(logLines(run, 'shut down').some((line) => line.pid === pid)).toBe(true);
    expect(logLines(run, 'shut down').some((line) => line.pid === run.child.pid)).toBe(true);
  });

  it('does not restart an API process that dies: it stops the others and exits 1', async () => {
    const port = await freePort();
    const run = start(API_COMMAND, { QUEUE_PREFIX: prefix(), PORT: String(port), API_PROCESSES: '2' });
    await until(() => logLines(run, 'listening').length === 2, 'two API processes listening', 60_000);
    const [victim, survivor] = logLines(run, 'listening').map((line) => line.pid as number);
    process.kill(victim!, 'SIGKILL');

    expect(await run.exited, run.stdout().slice(-3000)).toBe(1);
    expect(logLines(run, 'api process exited unexpectedly: stopping the others')).toEqual([
      expect.objectContaining({ apiPid: victim, signal: 'SIGKILL' }),
    ]);
    expect(logLines(run, 'shut down').some((line) => line.pid === survivor)).toBe(true);
    expect(logLines(run, 'listening')).toHaveLength(2);
  });

  it.each([
    ['the api', API_COMMAND, true],
    ['the workers', WORKERS_COMMAND, false],
  ])('with Redis killed first, %s still exits within SHUTDOWN_TIMEOUT_MS', async (_what, command, http) => {
    const port = await freePort();
    const run = start(command, { QUEUE_PREFIX: prefix(), PORT: String(port) });
    try {
      if (http) await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200, 60_000);
      else await until(() => run.stdout().includes('"msg":"workers started"'), 'workers started', 60_000);
      await redis.kill();
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      const code = await run.exited;
      const took = Date.now() - signalled;
      // Margin for a loaded machine; without a deadline the process never exits.
      expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 8000);
      expect(run.stdout()).toMatch(/"msg":"shutting down"/);
      if (code !== 0) {
        expect(code).toBe(1);
        expect(run.stdout()).toMatch(/shutdown deadline passed/);
      }
    } finally {
      await redis.start();
    }
  });
});

/** A strict environment as README "Running in production" asks for (nothing in it is contacted by the CLI). */
const STRICT_ENV = {
  SMTP_URL: 'smtps://relay.council.endeavor.test',
  PUBLIC_BASE_URL: 'https://dispatch.council.endeavor.test',
  SECRET_KEY: TEST_SECRET,
  INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
};

/** The image's ENV instructions (NODE_ENV=production, …), as KEY=value pairs. */
function imageEnv(): Record<string, string> {
  const pairs = image.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => i.args.split(/\s+/));
  return Object.fromEntries(pairs.map((pair) => pair.split('=') as [string, string]));
}

/**
 * /app as the image's final stage makes it, outside Docker: package.json with the Dockerfile's own
 * `npm pkg set …` applied, the built dist/, and a node_modules holding only what `npm ci
 * --omit=dev` installs (the lock file's packages not marked dev, linked from this checkout).
 */
function imageLikeDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'endeavor-image-'));
  copyFileSync(resolve(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(resolve(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const lock = JSON.parse(readFileSync(resolve(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Top-level packages only: a nested node_modules comes along inside its parent.
    if (!/^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(path) || entry.dev || !existsSync(resolve(ROOT, path))) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(resolve(ROOT, path), join(dir, path), 'dir');
  }
  const pkgSet = args(image, 'RUN').flatMap((run) => run.split('&&').map((part) => part.trim())).find((part) => part.startsWith('npm pkg set '));
  if (!pkgSet) throw new Error('no npm pkg set in the final stage');
  execFileSync('sh', ['-c', pkgSet], { cwd: dir, stdio: 'pipe' });
  return dir;
}

const args = (stage: typeof image, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

type LogLine = Record<string, unknown> & { msg?: string; pid?: number };

/** The process's JSON log lines with this message. */
function logLines(run: Spawned, msg: string): LogLine[] {
  return run
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === msg);
}

/** The pid of the process whose request log holds this request id. */
const servedBy = (run: Spawned, requestId: string) => logLines(run, 'request').find((line) => line.requestId === requestId)?.pid;

type RequestOptions = { method: string; path: string; headers: Record<string, string> };

function httpRequest(port: number, agent: Agent, options: RequestOptions): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent, ...options }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.once('error', reject);
    req.end();
  });
}
