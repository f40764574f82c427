import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

/* SPEC §2: REDIS_CLUSTER_NODES, REDIS_SENTINELS + REDIS_SENTINEL_MASTER, REDIS_WAIT_REPLICAS. */
const DEV = { NODE_ENV: 'development' };

function startUpLine(env: Record<string, string>): string {
  try {
    loadConfig({ ...DEV, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('Redis topology configuration', () => {
  it('is a single server at REDIS_URL, waiting for no replica, by default', () => {
    const config = loadConfig(DEV);
    expect(config.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
    expect(config.redisWaitReplicas).toBe(0);
  });

  it('reads REDIS_CLUSTER_NODES as Cluster seed nodes, keeping REDIS_URL for its credentials', () => {
    const config = loadConfig({
      ...DEV,
      REDIS_URL: 'rediss://app:s3cret@ignored.example.test:6380',
      REDIS_CLUSTER_NODES: 'redis-a.example.test:7000, 10.0.0.2:7001,[::1]:7002',
      QUEUE_PREFIX: '{endeavor}',
    });
    expect(config.redis).toEqual({
      mode: 'cluster',
      url: 'rediss://app:s3cret@ignored.example.test:6380',
      nodes: [
        { host: 'redis-a.example.test', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('refuses a Cluster whose QUEUE_PREFIX is not a hash tag, in one line naming the variable', () => {
    const line = startUpLine({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'endeavor' });
    expect(line).toMatch(/^invalid configuration: QUEUE_PREFIX must be a hash tag such as \{endeavor\}/);
    expect(startUpLine({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toMatch(/QUEUE_PREFIX/);
  });

  it.each(['redis-a.internal', 'redis-a.internal:0', 'redis-a.internal:70000', 'redis-a.internal:http', ',', 'redis a.internal:1'])('refuses REDIS_CLUSTER_NODES like %j without echoing it', (value) => {
    const line = startUpLine({ REDIS_CLUSTER_NODES: value, QUEUE_PREFIX: '{endeavor}' });
    expect(line).toMatch(/^invalid configuration: REDIS_CLUSTER_NODES /);
    if (value !== ',') expect(line).not.toContain(value);
  });

  it('reads REDIS_SENTINELS and REDIS_SENTINEL_MASTER as Sentinel mode', () => {
    const config = loadConfig({ ...DEV, REDIS_URL: 'redis://:pw@unused:6379', REDIS_SENTINELS: 's1.example.test:26379,s2.example.test:26379', REDIS_SENTINEL_MASTER: 'endeavor-master' });
    expect(config.redis).toEqual({
      mode: 'sentinel',
      url: 'redis://:pw@unused:6379',
      sentinels: [
        { host: 's1.example.test', port: 26379 },
        { host: 's2.example.test', port: 26379 },
      ],
      masterName: 'endeavor-master',
    });
  });

  it('wants both or neither of REDIS_SENTINELS and REDIS_SENTINEL_MASTER', () => {
    expect(startUpLine({ REDIS_SENTINELS: '127.0.0.1:26379' })).toBe('invalid configuration: REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together');
    expect(startUpLine({ REDIS_SENTINEL_MASTER: 'mymaster' })).toBe('invalid configuration: REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together');
    expect(startUpLine({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'my master' })).toMatch(/^invalid configuration: REDIS_SENTINEL_MASTER /);
  });

  it('refuses Cluster and Sentinel together', () => {
    const line = startUpLine({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: '{e}', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'm' });
    expect(line).toMatch(/^invalid configuration: REDIS_CLUSTER_NODES and REDIS_SENTINELS/);
  });

  it('reads REDIS_WAIT_REPLICAS as a small whole number', () => {
    expect(loadConfig({ ...DEV, REDIS_WAIT_REPLICAS: '1' }).redisWaitReplicas).toBe(1);
    expect(startUpLine({ REDIS_WAIT_REPLICAS: '-1' })).toMatch(/^invalid configuration: REDIS_WAIT_REPLICAS /);
    expect(startUpLine({ REDIS_WAIT_REPLICAS: '99' })).toMatch(/^invalid configuration: REDIS_WAIT_REPLICAS must be at most 16/);
  });
});
