import { readFileSync } from 'node:fs';
import { Router } from 'express';
import type { EpisodeStore } from '../episodes/episode.store';
import type { ReportStores } from '../reports/report.queries';
import { withRedis } from '../platform/redis';
import type { SessionStore } from '../access/sessions.store';
import { dashboardAuth } from '../access/auth';
import { liveBoard, returnInterviewsDue } from './board.queries';
import type { PageKit } from './page-kit';
import { boardView } from './views/board';
import { sendDashboardPage } from './views/common';

const asset = (name: string) => readFileSync(new URL(`../platform/assets/${name}`, import.meta.url));
const SCRIPTS = { 'board.js': asset('board.js'), 'import.js': asset('import.js') };

/** SPEC §8: the live board of open episodes, its JSON for board.js, and the pages' scripts. */
export function boardPages(kit: PageKit, deps: { stores: ReportStores & { episodes: EpisodeStore; sessions: SessionStore }; now: () => Date }): Router {
  const router = Router();
  const { stores, now } = deps;
  for (const [name, body] of Object.entries(SCRIPTS)) {
    router.get(`/assets/${name}`, (_req, res) => {
      res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(body);
    });
  }
  router.get('/', (_req, res) => res.redirect(303, '/dashboard'));

  router.get('/dashboard', ...kit.staff, async (req, res) => {
    const [board, returnInterviews] = await withRedis(() => Promise.all([liveBoard(stores, now()), returnInterviewsDue(stores.episodes, now())]));
    sendDashboardPage(res, kit.context(req), 'Open episodes', boardView(board, returnInterviews));
  });

  // JSON for board.js: the same guard as the API (a 401 problem, not a redirect, when signed out).
  router.get('/dashboard/board.json', ...dashboardAuth(stores.sessions, now)('admin', 'mash'), async (_req, res) => {
    res.json(await withRedis(() => liveBoard(stores, now())));
  });
  return router;
}
