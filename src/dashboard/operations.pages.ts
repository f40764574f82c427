import { Router } from 'express';
import type { EventStore } from '../intake/event.store';
import type { MailSink } from '../platform/mail-sink';
import { notFound, validationProblem } from '../platform/problem';
import type { Queues } from '../platform/queues';
import { withRedis, type RedisClient } from '../platform/redis';
import { allowFramesFromSelf, asCaughtMailPart } from '../platform/security-headers';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { pageOfMail } from './mail.queries';
import { queueHealth } from './operations.queries';
import { queryString, type PageKit } from './page-kit';
import { sendDashboardPage } from './views/common';
import { auditView, exportView, mailView, queuesView } from './views/operations';

export type OperationsPagesDeps = {
  redis: RedisClient;
  prefix: string;
  stores: { events: EventStore; audit: AuditLog };
  queues: Queues;
  mailSink?: MailSink;
  now: () => Date;
};

const DAY_MS = 24 * 3600_000;

/** How many audit entries a page of the audit log shows. */
const AUDIT_PAGE = 200;

/** SPEC §8: queue health, the audit log, the CSV export form and (with the dev sink) caught mail. */
export function operationsPages(kit: PageKit, deps: OperationsPagesDeps): Router {
  const router = Router();
  const { stores, now } = deps;

  router.get('/dashboard/queues', ...kit.staff, async (req, res) => {
    const health = await withRedis(() => queueHealth({ queues: deps.queues, redis: deps.redis, prefix: deps.prefix, events: stores.events }, now()));
    sendDashboardPage(res, kit.context(req), 'Queue health', queuesView(health));
  });

  router.get('/dashboard/audit', ...kit.staff, async (req, res) => {
    // The cursor is the stream id of the page before's oldest entry.
    const before = queryString(req, 'before');
    if (before && !/^\d{1,20}-\d{1,20}$/.test(before)) throw validationProblem([{ path: 'before', message: 'is not a position in the audit log' }]);
    const page = await withRedis(() => stores.audit.page(AUDIT_PAGE, before || undefined));
    sendDashboardPage(res, kit.context(req), 'Audit log', auditView(page.entries, page.older ? `/dashboard/audit?before=${page.older}` : undefined));
  });

  router.get('/dashboard/export', ...kit.staff, (req, res) => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    sendDashboardPage(res, kit.context(req), 'Export', exportView({ from: day(now().getTime() - 30 * DAY_MS), to: day(now().getTime()) }));
  });

  if (deps.mailSink) {
    const sink = deps.mailSink;
    router.get('/dashboard/mail', ...kit.staff, async (req, res) => {
      const cursor = { after: queryString(req, 'after') || undefined, before: queryString(req, 'before') || undefined };
      const page = pageOfMail(sink.messages(), cursor);
      // Caught alerts hold the child's details: viewing them is audited like the episode page.
      const shown = page.messages.length > 0 ? `messages ${page.start + 1} to ${page.start + page.messages.length} of ${page.total}` : `none of ${page.total}`;
      await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: kit.actor(req), action: 'dev-mail.view', subject: 'sink', detail: shown });
      allowFramesFromSelf(res);
      sendDashboardPage(res, kit.context(req), 'Caught mail', mailView(page));
    });

    // Not audited itself: a message's id is a random UUID learnt only from the audited page or API.
    router.get('/dashboard/mail/:messageId/html', ...kit.staff, (req, res) => {
      const message = sink.messages().find((m) => m.id === req.params.messageId);
      if (!message?.html) throw notFound('The sink holds no such message, or it has no HTML part.');
      asCaughtMailPart(res);
      res.type('html').send(message.html);
    });
  }
  return router;
}
