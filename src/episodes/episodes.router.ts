import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import type { DeliveryStore } from '../delivery/delivery.store';
import type { EventStore } from '../intake/event.store';
import { notFound, validationProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { episodeJson, episodeSummary } from './episode-view';
import type { EpisodeStore } from './episode.store';
import { actorOf } from '../access/actor';

export type EpisodesRouterDeps = {
  episodes: EpisodeStore;
  events: EventStore;
  deliveries: DeliveryStore;
  audit: AuditLog;
  viewer: RequestHandler[];
  now: () => Date;
};

export const listQuery = z.strictObject({ state: z.enum(['open', 'found', 'cancelled']).optional() });

/** SPEC §6: episodes and their deliveries, for dashboard users and (their own) for feeds. */
export function episodesRouter(deps: EpisodesRouterDeps): Router {
  const router = Router();

  router.get('/api/v1/episodes', ...deps.viewer, async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error));
    const viewer = req.viewer!;
    const episodes = (await withRedis(() => deps.episodes.list(query.data.state))).filter(
      (e) => viewer.kind === 'user' || e.feedId === viewer.feedId,
    );
    // Each with its events and every delivery, as SPEC §6 describes both endpoints, plus summary counts.
    const items = await withRedis(() =>
      Promise.all(
        episodes.map(async (e) => {
          const [events, deliveries] = await Promise.all([deps.events.eventsOfEpisode(e.episodeId), deps.deliveries.ofEpisode(e.episodeId)]);
          return { ...episodeJson(e, events, deliveries), counts: episodeSummary(e, deliveries).counts };
        }),
      ),
    );
    res.json({ episodes: items });
  });

  router.get('/api/v1/episodes/:episodeId', ...deps.viewer, async (req, res) => {
    const viewer = req.viewer!;
    const episodeId = String(req.params.episodeId);
    const episode = /^ep_[0-9a-f]{24}$/.test(episodeId) ? await withRedis(() => deps.episodes.get(episodeId)) : undefined;
    if (!episode || (viewer.kind === 'feed' && episode.feedId !== viewer.feedId)) throw notFound('No such episode.');
    const [events, deliveries] = await withRedis(() => Promise.all([deps.events.eventsOfEpisode(episodeId), deps.deliveries.ofEpisode(episodeId)]));
    await auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: actorOf(viewer), action: 'episode.view', subject: episodeId });
    res.json(episodeJson(episode, events, deliveries));
  });

  return router;
}
