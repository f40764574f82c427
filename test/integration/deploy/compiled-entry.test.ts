import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore } from '../../../src/delivery/delivery.store';
import { FEED_A, TEST_SECRET, startTestApp, type TestApp } from '../../helpers/app';
import { execForm, readDockerfile } from '../../helpers/dockerfile';
import { practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent, uniqueId } from '../../helpers/factories';
import { ROOT, buildDistOnce, runProcess, waitForStatus, type ProcessEnv, type Spawned } from '../../helpers/process';
import { freePort, startRedisServer, type RedisServerHandle } from '../../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

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

/** Resolves once `check` holds, polling state (not a fixed sleep); throws after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

  it('serves as the image CMD, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const run = start(API_COMMAND, { QUEUE_PREFIX: prefix(), PORT: String(port) });
    await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200, 60_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
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
