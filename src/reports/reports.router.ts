import { Router, type Request, type RequestHandler } from 'express';
import { validationProblem } from '../platform/problem';
import { fieldErrors } from '../platform/validation';
import { withRedis } from '../platform/redis';
import { buildReport } from './report';
import type { ReportStores } from './report.queries';
import { loadReportInputWithInterviews } from './report-input';
import { lastFullMonth, type DateRange } from './report-range';
import { reportQuerySchema } from './report.schema';

export type ReportsRouterDeps = { stores: ReportStores; staff: RequestHandler[]; now: () => Date };

/** The range a request asks for: both dates, or neither for the last full month; anything else a 422. */
export function reportRange(req: Request, now: Date): DateRange {
  const { from, to } = req.query;
  if (from === undefined && to === undefined) return lastFullMonth(now);
  const parsed = reportQuerySchema.safeParse({ from, to });
  if (!parsed.success) throw validationProblem(fieldErrors(parsed.error), 'The date range is not valid.');
  return parsed.data;
}

/** SPEC §13: `GET /api/v1/reports?from=&to=` for the partnership's own tools (mash, admin). Aggregates only. */
export function reportsRouter(deps: ReportsRouterDeps): Router {
  const router = Router();
  router.get('/api/v1/reports', ...deps.staff, async (req, res) => {
    const now = deps.now();
    const range = reportRange(req, now);
    const input = await withRedis(() => loadReportInputWithInterviews(deps.stores, range), 30_000);
    res.set('Cache-Control', 'no-store').json(buildReport(input, range, now));
  });
  return router;
}
