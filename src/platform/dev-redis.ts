import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { moduleLogger } from './logger';

const log = moduleLogger('dev-redis');

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export class RedisMissingError extends Error {
  override name = 'RedisMissingError';
}

/**
 * SPEC §9: outside production, when nothing answers at REDIS_URL on this machine and
 * redis-server is on the PATH, start one with its data (AOF on) in ./data.
 * Returns the child to stop on shutdown, or undefined when Redis was already there.
 */
export async function ensureRedis(url: string, production: boolean): Promise<ChildProcess | undefined> {
  if (await answers(url)) return undefined;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  const hasServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (production || !local || !hasServer) {
    throw new RedisMissingError(
      `no Redis answers at ${parsed.host}: start one (e.g. "apt-get install redis-server" or "docker compose up redis") or set REDIS_URL`,
    );
  }
  const dir = resolve('data');
  mkdirSync(dir, { recursive: true });
  const port = parsed.port || '6379';
  const child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) {
      log.info({ port, pid: child.pid }, 'started a local redis-server with its data in ./data');
      return child;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new RedisMissingError('redis-server was started but did not answer within 10 seconds');
}
