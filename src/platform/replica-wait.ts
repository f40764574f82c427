import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis';

/**
 * Replicas that `INFO replication` lists as streaming (`state=online`). One still loading its
 * first copy cannot acknowledge yet; Sentinel does not promote it either.
 */
export function onlineReplicas(info: string): number {
  return info.split(/\r?\n/).filter((line) => /^slave\d+:(?:.*,)?state=online(?:,|$)/.test(line)).length;
}

/**
 * How many replicas a write must reach before it counts as kept: REDIS_WAIT_REPLICAS at least,
 * and every replica online now. Sentinel may promote any of them (by priority, then by an offset
 * it read up to seconds ago), so a write only some of them hold can be lost in a failover.
 * 0 turns waiting off.
 */
export const replicasRequired = (configured: number, online: number): number => (configured > 0 ? Math.max(configured, online) : 0);

export type Replicated = {
  /** The pipeline's own results, in order, without the replication bookkeeping. */
  results: [Error | null, unknown][];
  /** Replicas that acknowledged the write in time, and how many were asked for. */
  replicas: number;
  required: number;
};

/**
 * Runs a pipeline that writes, then WAITs until every online replica (and at least `configured`)
 * holds the write, or `timeoutMs` passes. `INFO replication` and the first WAIT travel in the same
 * pipeline, so they run on the connection that wrote (and, in a Cluster, on the slot's master);
 * a second WAIT, keyed by `routingKey` to the same node, is needed only when more replicas are
 * online than configured.
 */
export async function execReplicated(
  redis: RedisClient,
  pipeline: ChainableCommander,
  configured: number,
  timeoutMs: number,
  routingKey: string,
): Promise<Replicated> {
  pipeline.info('replication').call('WAIT', String(configured), String(timeoutMs));
  const rows = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
  for (const [err] of rows) if (err) throw err;
  const results = rows.slice(0, -2);
  const required = replicasRequired(configured, onlineReplicas(String(rows.at(-2)?.[1] ?? '')));
  let replicas = Number(rows.at(-1)?.[1] ?? 0);
  if (replicas < required) {
    const again = ((await redis.pipeline().exists(routingKey).call('WAIT', String(required), String(timeoutMs)).exec()) ?? []) as [Error | null, unknown][];
    for (const [err] of again) if (err) throw err;
    replicas = Number(again[1]?.[1] ?? 0);
  }
  return { results, replicas, required };
}
