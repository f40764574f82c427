import type { RequestHandler } from 'express';
import { feedMatcher } from '../intake/feed-auth';
import { HttpProblem } from '../platform/problem';
import { loadSession, notSignedIn, rejectCrossSiteWrites } from './auth';
import type { SessionStore } from './sessions.store';

/** Who is reading tracking data: a dashboard user sees everything; a feed sees its own episodes. */
export type Viewer = { kind: 'user'; email: string; role: 'admin' | 'mash' } | { kind: 'feed'; feedId: string };

declare module 'express-serve-static-core' {
  interface Request {
    viewer?: Viewer;
  }
}

/** Accepts either a feed key (Bearer) or a dashboard session; sets req.viewer. */
export function viewerAuth(deps: { feedKeys: ReadonlyMap<string, string>; sessions: SessionStore; now: () => Date }): RequestHandler[] {
  const match = feedMatcher(deps.feedKeys);
  const load = loadSession(deps.sessions, deps.now);
  const decide: RequestHandler = (req, _res, next) => {
    const header = req.get('authorization');
    if (header) {
      const [scheme, key] = header.split(' ', 2);
      const feedId = scheme?.toLowerCase() === 'bearer' && key ? match(key) : undefined;
      if (!feedId) throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'The feed key is not valid.');
      req.viewer = { kind: 'feed', feedId };
      return next();
    }
    if (!req.user) throw notSignedIn();
    req.viewer = { kind: 'user', email: req.user.email, role: req.user.role };
    next();
  };
  return [load, decide, rejectCrossSiteWrites];
}
