import { Router, type Request, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { actorOf } from '../access/actor';
import { deliveryJson } from './delivery-view';
import { moduleLogger } from '../platform/logger';
import { nextPage, pageQuery, readCursor } from '../platform/pagination';
import { HttpProblem, notFound, validationProblem } from '../platform/problem';
import type { DeliverJob } from '../platform/queues';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { CSV_HEADER, deliveryRows } from './deliveries-csv';
import { deliveriesCreatedBetween, deliveryListName, listDeliveries } from './delivery.queries';
import type { DeliveryStore } from './delivery.store';
import { DELIVERY_STATUSES } from './delivery-status';
import { retryDelivery } from './retry';
import { drainedOrClosed } from '../platform/streams';

export type DeliveriesRouterDeps = {
  deliveries: DeliveryStore;
  deliver: Queue<DeliverJob>;
  audit: AuditLog;
  /** Dashboard users only (mash, admin). */
  staff: RequestHandler[];
  attempts: number;
  now: () => Date;
};

const log = moduleLogger('deliveries');

/** A page of deliveries carries each one's history: 500 is the most one answer holds. */
export const MAX_DELIVERIES_PAGE = 500;
const DEFAULT_PAGE = 50;

export const listQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  unacknowledged: z.enum(['true', 'false']).optional(),
  ...pageQuery(MAX_DELIVERIES_PAGE, DEFAULT_PAGE),
});

export const csvQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});

/** The signed-in user as the audit log names them. */
const staffActor = (req: Request) => actorOf(req.user!);


/** SPEC §6: deliveries by status, retry of a failed or bounced one, and the audit export. */
// eslint-disable-next-line max-lines-per-function -- a router: short handlers, registered in order (README, Layout: exceptions)
export function deliveriesRouter(deps: DeliveriesRouterDeps): Router {
  const router = Router();

  router.get('/api/v1/deliveries', ...deps.staff, async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error));
    const { status, unacknowledged } = query.data;
    const filter = { ...(status ? { status } : {}), unacknowledged: unacknowledged === 'true' };
    const list = deliveryListName(filter);
    const after = readCursor(list, query.data.cursor);
    const page = await withRedis(() => listDeliveries(deps.deliveries, filter, { limit: query.data.limit ?? DEFAULT_PAGE, ...(after ? { after } : {}) }));
    const { deliveries } = page;
    // The list names contacts and carries recipients' notes: each read is audited before it is sent.
    await auditBeforeAnswer(deps.audit, {
      at: deps.now().toISOString(),
      actor: staffActor(req),
      action: 'deliveries.view',
      subject: unacknowledged === 'true' ? 'unacknowledged' : (status ?? 'all'),
      detail: `${deliveries.length} deliveries`,
    });
    res.json({ deliveries: deliveries.map(deliveryJson), ...nextPage(list, '/api/v1/deliveries', req.query as Record<string, string>, page.next) });
  });

  router.post('/api/v1/deliveries/:deliveryId/retry', ...deps.staff, async (req, res) => {
    const outcome = await withRedis(() => retryDelivery(deps, String(req.params.deliveryId), req.user!), 10_000);
    if (!outcome.ok) {
      if (outcome.reason === 'not-found') throw notFound('No such delivery.');
      throw new HttpProblem(409, 'not-failed', 'Conflict', `Only a failed or bounced delivery can be retried; this one is ${outcome.current}.`);
    }
    res.status(202).json(deliveryJson(outcome.delivery));
  });

  router.get('/api/v1/deliveries.csv', ...deps.staff, async (req, res) => {
    const query = csvQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error));
    const now = deps.now().getTime();
    const fromMs = query.data.from ? Date.parse(query.data.from) : now - 30 * 24 * 3600_000;
    const toMs = query.data.to ? Date.parse(query.data.to) + (query.data.to.length === 10 ? 24 * 3600_000 - 1 : 0) : now;
    if (fromMs > toMs) throw validationProblem([{ path: 'from', message: 'must not be after to' }]);
    const count = await withRedis(() => deps.deliveries.countCreatedBetween(fromMs, toMs));
    await auditBeforeAnswer(deps.audit, {
      at: deps.now().toISOString(),
      actor: staffActor(req),
      action: 'deliveries.export',
      subject: `${count} deliveries`,
      detail: `from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}`,
    });
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="deliveries.csv"');
    res.write(CSV_HEADER);
    try {
      for await (const page of deliveriesCreatedBetween(deps.deliveries, fromMs, toMs)) {
        // Wait for the client to take a page before reading the next: a slow download holds one page.
        if (res.destroyed) return;
        if (!res.write(deliveryRows(page))) await drainedOrClosed(res);
      }
      res.end();
    } catch (err) {
      // The 200 is already on its way: cut the download short so it cannot pass for a whole export.
      log.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'delivery export failed while streaming');
      res.destroy();
    }
  });

  return router;
}
