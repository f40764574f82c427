import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { notFound, HttpProblem } from './problem';
import { renderGauges, renderPipelineMetrics, type GaugeSample, type ProcessMetrics } from './metrics';
import { withRedis } from './redis';

export type MetricsRouterDeps = {
  /** METRICS_TOKEN; unset = no /metrics at all (404). */
  token: string | undefined;
  redis: Redis;
  prefix: string;
  process: ProcessMetrics;
  /** Gauges read at scrape time: queue depths, backlog age, live workers. */
  gauges: () => Promise<GaugeSample[]>;
};

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** SPEC §12: `GET /metrics`, Prometheus text, bearer METRICS_TOKEN compared in constant time. */
export function metricsRouter(deps: MetricsRouterDeps): Router {
  const router = Router();
  const expected = deps.token === undefined ? undefined : digest(deps.token);
  router.get('/metrics', async (req, res) => {
    if (!expected) throw notFound();
    const [scheme, presented] = (req.get('authorization') ?? '').split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !presented || !timingSafeEqual(digest(presented), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="endeavor-metrics"');
      throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'Send METRICS_TOKEN as "Authorization: Bearer <token>".');
    }
    // The process's own figures are served even while Redis is away: that is when they matter.
    const own = await deps.process.registry.metrics();
    const shared = await withRedis(async () => (await renderPipelineMetrics(deps.redis, deps.prefix)) + renderGauges(await deps.gauges()), 2000).catch(
      () => '# pipeline figures unavailable: Redis unreachable\n',
    );
    res.set('Cache-Control', 'no-store').type(deps.process.registry.contentType).send(own + '\n' + shared);
  });
  return router;
}
