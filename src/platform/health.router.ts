import { Router } from 'express';
import { workersAlive } from './heartbeat';
import { redisReachable, withRedis, type RedisClient } from './redis';

/** SPEC §3: liveness and readiness, unauthenticated and without data. */
export function healthRouter(deps: { redis: RedisClient; prefix: string; now: () => Date }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const redisUp = await redisReachable(deps.redis);
    const workers = redisUp ? await withRedis(() => workersAlive(deps.redis, deps.prefix, deps.now().getTime()), 1000).catch(() => 0) : 0;
    const ready = redisUp && workers > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', redis: redisUp ? 'up' : 'down', workers: workers > 0 ? 'running' : 'none' });
  });
  return router;
}
