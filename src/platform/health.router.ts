import { Router } from 'express';
import type { Redis } from 'ioredis';
import { workersAlive } from './heartbeat';
import { redisHealth, withRedis } from './redis';

/**
 * SPEC §3: liveness and readiness, unauthenticated and without data. `/readyz` names the
 * part that is down: `redis` is `ok`, `down` (unreachable) or `oom` (full: writes refused);
 * `workers` is `ok` while a worker process heart-beats, else `none`.
 */
export function healthRouter(deps: { redis: Redis; prefix: string; now: () => Date }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const redis = await redisHealth(deps.redis, deps.prefix);
    const workers = redis !== 'down' ? await withRedis(() => workersAlive(deps.redis, deps.prefix, deps.now().getTime()), 1000).catch(() => 0) : 0;
    const ready = redis === 'ok' && workers > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', redis, workers: workers > 0 ? 'ok' : 'none' });
  });
  return router;
}
