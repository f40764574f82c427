import { Router, type Request } from 'express';
import type { SchoolHours } from '../../config/school-hours';
import { encodeCursor, readCursor, type Position } from '../platform/pagination';
import { withRedis } from '../platform/redis';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { queryString, type PageKit } from './page-kit';
import { sendDashboardPage } from './views/common';
import { failedView, overdueView } from './views/work-lists';
import { failedWorkList, overdueWorkList, type WorkListReads } from './work-lists.queries';

export type WorkListPagesDeps = { stores: WorkListReads & { audit: AuditLog }; ackDeadlineSeconds: number; schoolHours: SchoolHours; now: () => Date };

/** Deliveries a work list page shows; the rest are a "next page" link away. */
export const WORK_LIST_PAGE = 200;

/** The page's cursor (the `after` parameter), as a position in the list named `list`. */
const after = (req: Request, list: string) => {
  const position = readCursor(list, queryString(req, 'after') || undefined);
  return position ? { after: position } : {};
};

const nextHref = (path: string, list: string, next: Position | undefined) => (next ? `${path}?after=${encodeCursor(list, next)}` : undefined);

/**
 * SPEC §8: the failed and overdue work lists, a page at a time from their indexes. Each names
 * contacts and shows their answers (notes for police): every view is audited before it is sent.
 */
export function workListPages(kit: PageKit, deps: WorkListPagesDeps): Router {
  const router = Router();
  const audited = (req: Request, list: string, count: number) =>
    auditBeforeAnswer(deps.stores.audit, { at: deps.now().toISOString(), actor: kit.actor(req), action: 'work-list.view', subject: list, detail: `${count} ${count === 1 ? 'delivery' : 'deliveries'}` });

  router.get('/dashboard/failed', ...kit.staff, async (req, res) => {
    const page = await withRedis(() => failedWorkList(deps.stores, { limit: WORK_LIST_PAGE, ...after(req, 'failed') }));
    await audited(req, 'failed', page.deliveries.length);
    const view = failedView({ ...page, user: req.user!, older: nextHref('/dashboard/failed', 'failed', page.next) });
    sendDashboardPage(res, kit.context(req), 'Failed deliveries', view);
  });

  router.get('/dashboard/overdue', ...kit.staff, async (req, res) => {
    const page = await withRedis(() => overdueWorkList(deps.stores, deps, { limit: WORK_LIST_PAGE, ...after(req, 'overdue') }));
    await audited(req, 'overdue', page.deliveries.length);
    const view = overdueView({ ...page, user: req.user!, now: deps.now(), newer: nextHref('/dashboard/overdue', 'overdue', page.next) });
    sendDashboardPage(res, kit.context(req), 'Not acknowledged', view);
  });
  return router;
}
