import { Router, type Request, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { HttpProblem, notFound, validationProblem } from '../platform/problem';
import type { DeliverJob } from '../platform/queues';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { deliveriesCsv } from './deliveries-csv';
import type { DeliveryStore } from './delivery.store';
import { DELIVERY_STATUSES } from './delivery-status';
import { retryDelivery } from './retry';
import { deliveryJson } from './delivery-view';
import { actorOf } from '../access/actor';

export type DeliveriesRouterDeps = {
  deliveries: DeliveryStore;
  deliver: Queue<DeliverJob>;
  audit: AuditLog;
  /** Dashboard users only (mash, admin). */
  staff: RequestHandler[];
  attempts: number;
  now: () => Date;
};

export const listQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  unacknowledged: z.enum(['true', 'false']).optional(),
});

export const csvQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});

/** The signed-in user as the audit log names them. */
const staffActor = (req: Request) => actorOf(req.user!);


/** SPEC §6: deliveries by status, retry of a failed or bounced one, and the audit export. */
export function deliveriesRouter(deps: DeliveriesRouterDeps): Router {
  const router = Router();

  router.get('/api/v1/deliveries', ...deps.staff, async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error));
    const { status, unacknowledged } = query.data;
    const ids = await withRedis(async () => {
      if (unacknowledged === 'true') return deps.deliveries.unacknowledged({ limit: 1000 });
      if (status) return deps.deliveries.withStatus(status, { limit: 1000 });
      return (await Promise.all(DELIVERY_STATUSES.map((s) => deps.deliveries.withStatus(s, { limit: 1000 })))).flat();
    });
    const deliveries = (await withRedis(() => deps.deliveries.load(ids, true))).filter((d) => !status || d.status === status);
    // The list names contacts and carries recipients' notes: each read is audited before it is sent.
    await auditBeforeAnswer(deps.audit, {
      at: deps.now().toISOString(),
      actor: staffActor(req),
      action: 'deliveries.view',
      subject: unacknowledged === 'true' ? 'unacknowledged' : (status ?? 'all'),
      detail: `${deliveries.length} deliveries`,
    });
    res.json({ deliveries: deliveries.map(deliveryJson) });
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
    const ids = await withRedis(() => deps.deliveries.createdBetween(fromMs, toMs));
    const deliveries = await withRedis(() => deps.deliveries.load(ids));
    await auditBeforeAnswer(deps.audit, {
      at: deps.now().toISOString(),
      actor: staffActor(req),
      action: 'deliveries.export',
      subject: `${ids.length} deliveries`,
      detail: `from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}`,
    });
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="deliveries.csv"').send(deliveriesCsv(deliveries));
  });

  return router;
}
