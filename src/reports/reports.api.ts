import { z } from 'zod';
import { named, type ApiOperation } from '../platform/openapi';
import { reportSchema } from './report.schema';

/** The query as documented: both dates, or neither for the last full month (reportQuerySchema validates the pair). */
export const reportsQuery = z.object({
  from: z.iso.date().optional().describe('first day, YYYY-MM-DD (UK time), inclusive; with to, or neither for the last full month'),
  to: z.iso.date().optional().describe('last day, YYYY-MM-DD (UK time), inclusive; at most 366 days after from'),
});

/** SPEC §13: the partnership's figures (dashboard users, mash or admin). Aggregates only. */
export const reportsApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/reports',
    tag: 'Reports',
    summary: 'Figures for the safeguarding partnership over a date range',
    auth: ['session'],
    query: reportsQuery,
    responses: { 200: { schema: named('Report', reportSchema) } },
    problems: { 403: 'mash or admin only', 422: 'A malformed, reversed or too long date range' },
  },
];
