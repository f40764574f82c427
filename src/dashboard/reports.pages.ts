import { Router, type Request, type Response } from 'express';
import { HttpProblem, notFound } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { buildReport, repeatedChildrenOf } from '../reports/report';
import { loadReportInputWithInterviews } from '../reports/report-input';
import { loadRepeatInput } from '../reports/report.queries';
import { lastFullMonth, type DateRange } from '../reports/report-range';
import { reportQuerySchema } from '../reports/report.schema';
import { REPORT_TABLE_NAMES, reportTables, tableCsv } from '../reports/report-tables';
import { csvCell } from '../delivery/deliveries-csv';
import { fieldErrors } from '../platform/validation';
import type { Stores } from '../stores';
import { pageAuth } from '../access/page-auth';
import { pageErrors } from './page-errors';
import { sendDashboardPage, type PageContext } from './views/common';
import { repeatedChildrenView, reportsView } from './views/reports';
import { actorOf } from '../access/actor';
import { auditBeforeAnswer } from '../access/audit.store';

export type ReportPagesDeps = { stores: Pick<Stores, 'episodes' | 'events' | 'deliveries' | 'audit' | 'sessions'>; hasMail: boolean; now: () => Date };

type RangeOutcome = { ok: true; range: DateRange } | { ok: false; range: DateRange; errors: { path: string; message: string }[] };

function readRange(req: Request, now: Date): RangeOutcome {
  const from = typeof req.query.from === 'string' ? req.query.from.trim() : undefined;
  const to = typeof req.query.to === 'string' ? req.query.to.trim() : undefined;
  if (!from && !to) return { ok: true, range: lastFullMonth(now) };
  const parsed = reportQuerySchema.safeParse({ from, to });
  if (parsed.success) return { ok: true, range: parsed.data };
  return { ok: false, range: { from: from ?? '', to: to ?? '' }, errors: fieldErrors(parsed.error).map((e) => ({ ...e, message: e.message === 'Invalid input: expected string, received undefined' ? 'give a date' : e.message })) };
}

const rangeOrThrow = (req: Request, now: Date): DateRange => {
  const outcome = readRange(req, now);
  if (!outcome.ok) throw new HttpProblem(422, 'invalid-range', 'Invalid date range', `The date range is not valid: ${outcome.errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`);
  return outcome.range;
};

const sendCsv = (res: Response, name: string, range: DateRange, body: string) =>
  res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${name}-${range.from}-to-${range.to}.csv"`).send(body);

/**
 * SPEC §13: the partnership's report pages (mash, admin). The figures page counts only; the list
 * of children with repeated episodes has its own page and CSV, and each view of it is audited.
 */
export function reportPagesRouter(deps: ReportPagesDeps): Router {
  const router = Router();
  const { stores, now } = deps;
  const staff = pageAuth(stores.sessions, now)('admin', 'mash');
  const context = (req: Request): PageContext => ({ user: req.user!, path: '/dashboard/reports', hasMail: deps.hasMail });
  const actor = (req: Request) => actorOf(req.user!);
  const report = async (range: DateRange) => buildReport(await withRedis(() => loadReportInputWithInterviews(stores, range), 30_000), range, now());


  router.get('/dashboard/reports', ...staff, async (req, res) => {
    const outcome = readRange(req, now());
    if (!outcome.ok) return sendDashboardPage(res, context(req), 'Reports', reportsView({ report: undefined, range: outcome.range, errors: outcome.errors }), 422);
    sendDashboardPage(res, context(req), 'Reports', reportsView({ report: await report(outcome.range), range: outcome.range }));
  });

  /** The list, audited before it is answered (a failed write is a 503, and no names), naming what it shows by id. */
  async function repeated(req: Request, action: 'view' | 'export') {
    const range = rangeOrThrow(req, now());
    const input = await withRedis(() => loadRepeatInput(stores, range), 30_000);
    const children = repeatedChildrenOf(input.episodes, range);
    const detail = JSON.stringify({ children: children.length, episodes: children.flatMap((c) => c.episodes.map((e) => e.episodeId)) });
    await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: actor(req), action: `report.repeated-children.${action}`, subject: `${range.from}..${range.to}`, detail });
    return { range, children };
  }

  router.get('/dashboard/reports/repeated', ...staff, async (req, res) => {
    const { range, children } = await repeated(req, 'view');
    sendDashboardPage(res, context(req), 'Children with repeated episodes', repeatedChildrenView({ range, children, now: now() }));
  });

  router.get('/dashboard/reports/repeated.csv', ...staff, async (req, res) => {
    const { range, children } = await repeated(req, 'export');
    const rows = [['givenName', 'familyName', 'dateOfBirth', 'policePersonId', 'mostIn90Days', 'episodeId', 'policeReference', 'openedAt', 'state']];
    for (const c of children) {
      const child = c.episodes.at(-1)!.child;
      for (const e of c.episodes) rows.push([child.givenName ?? '', child.familyName ?? '', child.dateOfBirth ?? '', child.policePersonId ?? '', String(c.mostIn90Days), e.episodeId, e.policeReference, e.openedAt, e.state]);
    }
    sendCsv(res, 'repeated-children', range, rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n');
  });

  router.get('/dashboard/reports/:table.csv', ...staff, async (req, res) => {
    const name = String(req.params.table);
    if (!(REPORT_TABLE_NAMES as readonly string[]).includes(name)) throw notFound('There is no such report table.');
    const range = rangeOrThrow(req, now());
    const table = reportTables(await report(range)).find((t) => t.name === name)!;
    sendCsv(res, name, range, tableCsv(table));
  });

  router.use('/dashboard/reports', pageErrors);
  return router;
}
