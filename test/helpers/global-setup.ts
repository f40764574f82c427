import { randomUUID } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from './redis-server';

let redis: RedisServerHandle | undefined;

/** One private redis-server for the run; each test isolates itself by QUEUE_PREFIX. */
export async function setup(project: TestProject) {
  redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  // Names this run, e.g. for building dist/ once however many files need it (buildDistOnce).
  project.provide('runId', randomUUID());
}

export async function teardown() {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    runId: string;
  }
}
