import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import type { DeliveryStore } from '../delivery/delivery.store';
import type { EventStore } from '../intake/event.store';
import { nextPage, pageQuery, readCursor } from '../platform/pagination';
import { notFound, validationProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { episodeDetail, episodeListName, listEpisodes } from './episode.queries';
import { fieldErrors } from '../platform/validation';
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

/** Each episode on a page carries all its events and deliveries: 100 is the most one answer holds. */
export const MAX_EPISODES_PAGE = 100;
const DEFAULT_PAGE = 50;

export const listQuery = z.strictObject({ state: z.enum(['open', 'found', 'cancelled']).optional(), ...pageQuery(MAX_EPISODES_PAGE, DEFAULT_PAGE) });

const EPISODE_ID = /^ep_[0-9a-f]{24}$/;

/** SPEC §6: episodes and their deliveries, for dashboard users and (their own) for feeds. */
export function episodesRouter(deps: EpisodesRouterDeps): Router {
  const router = Router();

  router.get('/api/v1/episodes', ...deps.viewer, async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error));
    const viewer = req.viewer!;
    // A feed key sees its own episodes only: read from that feed's index, not filtered after.
    const filter = { ...(query.data.state ? { state: query.data.state } : {}), ...(viewer.kind === 'feed' ? { feedId: viewer.feedId } : {}) };
    const list = episodeListName(filter);
    const after = readCursor(list, query.data.cursor);
    const page = await withRedis(() => listEpisodes(deps, filter, { limit: query.data.limit ?? DEFAULT_PAGE, ...(after ? { after } : {}) }));
    res.json({ episodes: page.episodes, ...nextPage(list, '/api/v1/episodes', req.query as Record<string, string>, page.next) });
  });

  router.get('/api/v1/episodes/:episodeId', ...deps.viewer, async (req, res) => {
    const viewer = req.viewer!;
    const episodeId = String(req.params.episodeId);
    const detail = EPISODE_ID.test(episodeId) ? await withRedis(() => episodeDetail(deps, episodeId)) : undefined;
    if (!detail || (viewer.kind === 'feed' && detail.feedId !== viewer.feedId)) throw notFound('No such episode.');
    await auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: actorOf(viewer), action: 'episode.view', subject: episodeId });
    res.json(detail.json);
  });

  return router;
}
