import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { FEED_A } from '../helpers/app';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { runEntry, waitForStatus } from '../helpers/process';
import { freePort } from '../helpers/redis-server';

const base = () => ({
  REDIS_URL: inject('redisUrl'),
  QUEUE_PREFIX: uniqueId('st').replace(/[^A-Za-z0-9_-]/g, '_'),
  INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
});

/** A strict-mode environment that passes every check (its SMTP relay is never contacted by --api). */
const strict = () => ({
  ...base(),
  NODE_ENV: undefined,
  SMTP_URL: 'smtp://relay-user:Qm4vT9xLr2Kp7wZs@127.0.0.1:587',
  SECRET_KEY: 'Zq7Xw2Lm9Rt4Vb8Nc3Hd6Jf1Kg5Ps0Ya',
  PUBLIC_BASE_URL: 'https://endeavor.council.test',
});

describe('start-up', () => {
  it('stops with one line naming a bad variable, never echoing its value', async () => {
    const run = runEntry('src/main.ts', { ...base(), PORT: 'not-a-port-s3cr3t' });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).not.toContain('s3cr3t');
  });

  it('refuses to start in production without SMTP_URL', async () => {
    const run = runEntry('src/main.ts', { ...base(), NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(40) });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/SMTP_URL/);
  });

  // The finding: anything but NODE_ENV=production ran in development, with the embedded sink
  // catching alerts (and marking them sent) and a development admin's password on stdout.
  it.each([
    ['unset', undefined],
    ['staging', 'staging'],
    ['test', 'test'],
  ])('is strict with NODE_ENV %s: exits 1 with one line for each variable strict mode needs, SMTP_URL first', async (_what, nodeEnv) => {
    const run = runEntry('src/main.ts', { ...base(), NODE_ENV: nodeEnv });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines[0]).toMatch(/^endeavor-dispatch: invalid configuration: SMTP_URL /);
    // One restart fixes them all: every missing variable has its line, and only one.
    const named = lines.map((line) => /^endeavor-dispatch: invalid configuration: ([A-Z_]+) /.exec(line)?.[1]);
    expect(named).toEqual(['SMTP_URL', 'SECRET_KEY', 'PUBLIC_BASE_URL']);
    expect(run.stdout()).not.toMatch(/password/i);
  });

  it('refuses docker-compose\'s placeholder secret with one line naming SECRET_KEY, not its value', async () => {
    const secret = 'change-me-to-a-long-random-secret-of-32-plus-chars';
    const run = runEntry('workers/main.ts', { ...strict(), SECRET_KEY: secret });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^endeavor-dispatch: invalid configuration: SECRET_KEY .*placeholder/);
    expect(run.stderr()).not.toContain(secret);
  });

  it('in strict mode warns once that an empty directory leaves every event unroutable, loads no sample and prints no password', async () => {
    const httpPort = await freePort();
    const run = runEntry('src/main.ts', { ...strict(), PORT: String(httpPort) }, { args: ['--api'] });
    try {
      await waitForStatus(`http://127.0.0.1:${httpPort}/healthz`, 200);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    const warnings = run.stdout().split('\n').filter((line) => line.includes('directory is empty'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('npm run directory -- import-gias');
    expect(run.stdout()).not.toMatch(/DEVELOPMENT ONLY|sample directory loaded|password:/);
  });

  it('exits with one line saying how to get Redis when none answers and redis-server is not on the PATH', async () => {
    const port = await freePort();
    const bin = mkdtempSync(join(tmpdir(), 'endeavor-bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const run = runEntry('src/main.ts', { ...base(), REDIS_URL: `redis://127.0.0.1:${port}`, PATH: bin });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis/);
    rmSync(bin, { recursive: true, force: true });
  });

  it('starts its own redis-server with data in ./data when none answers outside production', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'endeavor-start-'));
    const port = await freePort();
    const httpPort = await freePort();
    const run = runEntry('src/main.ts', { ...base(), REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(httpPort) }, { cwd });
    try {
      await waitForStatus(`http://127.0.0.1:${httpPort}/readyz`, 200);
      expect(existsSync(join(cwd, 'data'))).toBe(true);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('serves, then shuts down cleanly on SIGTERM after finishing what it accepted', async () => {
    const httpPort = await freePort();
    const run = runEntry('src/main.ts', { ...base(), PORT: String(httpPort) });
    const url = `http://127.0.0.1:${httpPort}`;
    await waitForStatus(`${url}/readyz`, 200);
    const posts = Array.from({ length: 10 }, () =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}` },
        body: JSON.stringify(reportedEvent()),
      }),
    );
    const first = await posts[0]!;
    run.child.kill('SIGTERM');
    const rest = await Promise.allSettled(posts.slice(1));
    expect(first.status).toBe(202);
    for (const r of rest) if (r.status === 'fulfilled') expect(r.value.status).toBe(202);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/shutting down/);
  });
});
