import { afterAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE_GP_COUNT, SAMPLE_SCHOOL_COUNT } from '../../../src/directory/sample-directory';
import { createUserStore } from '../../../src/access/users.store';
import { createRedis, redisReady } from '../../../src/platform/redis';
import { FEED_A } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';
import { runEntry, waitForStatus } from '../../helpers/process';
import { freePort } from '../../helpers/redis-server';

const prefixes: string[] = [];
const newPrefix = () => {
  const prefix = uniqueId('boot').replace(/[^A-Za-z0-9_-]/g, '_');
  prefixes.push(prefix);
  return prefix;
};
afterAll(async () => {
  const redis = createRedis(inject('redisUrl'), 'worker');
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

/** `npm start` (API and workers; with `api: true`, `start:api`) as a real process; stopped with SIGTERM once `check` has run. */
async function startApi(env: Record<string, string>, check: (url: string, stdout: () => string) => Promise<void>, { api = false } = {}) {
  const port = await freePort();
  const run = runEntry('src/main.ts', { REDIS_URL: inject('redisUrl'), INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`, PORT: String(port), ...env }, { args: api ? ['--api'] : [] });
  try {
    await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200);
    await check(`http://127.0.0.1:${port}`, run.stdout);
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  return run.stdout();
}

describe('start-up outside production', () => {
  it('loads the fictional sample into an empty directory and prints a development admin once, whose password signs in', async () => {
    const prefix = newPrefix();
    const firstOut = await startApi({ QUEUE_PREFIX: prefix }, async (url, stdout) => {
      expect(stdout()).toMatch(/DEVELOPMENT ONLY/);
      const password = /password: (\S+)/.exec(stdout())?.[1];
      expect(password).toBeDefined();
      const res = await fetch(`${url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@endeavor.test', password }),
      });
      expect(res.status).toBe(204);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const list = await fetch(`${url}/api/v1/organisations`, { headers: { cookie } });
      const { organisations } = await list.json();
      expect(organisations).toHaveLength(SAMPLE_SCHOOL_COUNT + SAMPLE_GP_COUNT);
      expect(organisations.every((o: { name: string }) => o.name.includes('(sample)'))).toBe(true);
    });
    // The password appears in the one notice and nowhere else (not in a log line).
    const password = /password: (\S+)/.exec(firstOut)![1]!;
    expect(firstOut.split(password)).toHaveLength(2);

    const secondOut = await startApi({ QUEUE_PREFIX: prefix }, async () => {});
    expect(secondOut).not.toMatch(/DEVELOPMENT ONLY/);
  });

  it('as the api alone (the image, compose) invents no admin and prints no password: create-user makes the first one', async () => {
    const prefix = newPrefix();
    const out = await startApi({ QUEUE_PREFIX: prefix }, async () => {}, { api: true });
    expect(out).not.toMatch(/DEVELOPMENT ONLY|password:/);
    expect(out).toMatch(/"msg":"no dashboard users: set ADMIN_EMAIL and ADMIN_PASSWORD, or run create-user"/);
    const redis = createRedis(inject('redisUrl'), 'request');
    try {
      await redisReady(redis);
      expect(await createUserStore(redis, prefix).count()).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('creates the configured ADMIN_EMAIL admin instead, and prints no password', async () => {
    const prefix = newPrefix();
    const out = await startApi({ QUEUE_PREFIX: prefix, ADMIN_EMAIL: 'lead.admin@endeavor.test', ADMIN_PASSWORD: 'configured-admin-password' }, async (url) => {
      const res = await fetch(`${url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'lead.admin@endeavor.test', password: 'configured-admin-password' }),
      });
      expect(res.status).toBe(204);
    });
    expect(out).not.toMatch(/DEVELOPMENT ONLY/);
    expect(out).not.toContain('configured-admin-password');
  });
});
