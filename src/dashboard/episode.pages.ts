import { Router } from 'express';
import type { Queue } from 'bullmq';
import type { DeliveryStore } from '../delivery/delivery.store';
import { retryDelivery } from '../delivery/retry';
import type { EpisodeStore } from '../episodes/episode.store';
import { recordReturnInterview } from '../episodes/return-interview';
import type { EventStore } from '../intake/event.store';
import { HttpProblem, notFound } from '../platform/problem';
import type { DeliverJob } from '../platform/queues';
import { withRedis } from '../platform/redis';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { checkCsrf } from '../access/page-auth';
import { smallForm, type PageKit } from './page-kit';
import { episodeTimeline } from './timeline.queries';
import { sendDashboardPage } from './views/common';
import { episodeView } from './views/episode';

export type EpisodePagesDeps = {
  stores: { episodes: EpisodeStore; events: EventStore; deliveries: DeliveryStore; audit: AuditLog };
  deliver: Queue<DeliverJob>;
  retryAttempts: number;
  now: () => Date;
};

/** Where a form may send the browser back to: a dashboard path, never another site. */
const BACK = /^\/dashboard(\/[A-Za-z0-9_-]+)*$/;
const EPISODE_ID = /^ep_[0-9a-f]{24}$/;

/** SPEC §8: an episode's timeline with every delivery and its history, the retry button, and the return interview's record (SPEC §7). */
export function episodePages(kit: PageKit, deps: EpisodePagesDeps): Router {
  const router = Router();
  const { stores, now } = deps;

  router.get('/dashboard/episodes/:episodeId', ...kit.staff, async (req, res) => {
    const episodeId = String(req.params.episodeId);
    const timeline = EPISODE_ID.test(episodeId) ? await withRedis(() => episodeTimeline(stores, episodeId)) : undefined;
    if (!timeline) throw notFound('There is no episode at this address.');
    // Written before the details are shown: no unaudited view, even when the audit write fails.
    await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: kit.actor(req), action: 'child.view', subject: episodeId });
    sendDashboardPage(res, kit.context(req), `Episode ${timeline.episode.policeReference}`, episodeView({ ...timeline, user: req.user! }));
  });

  router.post('/dashboard/episodes/:episodeId/return-interview', ...kit.staff, smallForm, async (req, res) => {
    checkCsrf(req);
    const episodeId = String(req.params.episodeId);
    if (!EPISODE_ID.test(episodeId)) throw notFound('There is no episode at this address.');
    const outcome = await withRedis(() => recordReturnInterview({ episodes: stores.episodes, audit: stores.audit, now }, episodeId, req.user!));
    if (!outcome.ok && outcome.reason === 'no-episode') throw notFound('There is no episode at this address.');
    if (!outcome.ok) throw new HttpProblem(409, 'not-found-state', 'Cannot record', `Only a found child has a return home interview; this episode is ${outcome.state}. Go back and reload the page.`);
    res.redirect(303, `/dashboard/episodes/${episodeId}`);
  });

  router.post('/dashboard/deliveries/:deliveryId/retry', ...kit.staff, smallForm, async (req, res) => {
    checkCsrf(req);
    const back = typeof req.body?.back === 'string' && BACK.test(req.body.back) ? (req.body.back as string) : '/dashboard/failed';
    const outcome = await withRedis(
      () => retryDelivery({ deliveries: stores.deliveries, deliver: deps.deliver, audit: stores.audit, attempts: deps.retryAttempts, now }, String(req.params.deliveryId), req.user!),
      10_000,
    );
    if (!outcome.ok && outcome.reason === 'not-found') throw notFound('There is no such delivery.');
    if (!outcome.ok) throw new HttpProblem(409, 'not-failed', 'Cannot retry', `Only a failed or bounced delivery can be retried; this one is ${outcome.current}. Go back and reload the page.`);
    res.redirect(303, back);
  });
  return router;
}
