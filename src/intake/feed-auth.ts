import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from '../platform/problem';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * Finds the feed whose key matches, comparing fixed-length digests in constant time
 * and checking every feed so the time taken does not say which one nearly matched.
 */
export function feedMatcher(feedKeys: ReadonlyMap<string, string>): (presented: string) => string | undefined {
  const feeds = [...feedKeys].map(([feedId, key]) => ({ feedId, digest: digest(key) }));
  return (presented) => {
    const candidate = digest(presented);
    let match: string | undefined;
    for (const feed of feeds) if (timingSafeEqual(feed.digest, candidate)) match = feed.feedId;
    return match;
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    feedId?: string;
  }
}

const unauthorized = () =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', 'Send a valid feed key as "Authorization: Bearer <key>".');

/** Requires a police feed key; sets req.feedId. */
export function requireFeed(feedKeys: ReadonlyMap<string, string>): RequestHandler {
  const match = feedMatcher(feedKeys);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const [scheme, key] = header.split(' ', 2);
    const feedId = scheme?.toLowerCase() === 'bearer' && key ? match(key) : undefined;
    if (!feedId) {
      res.set('WWW-Authenticate', 'Bearer realm="endeavor-intake"');
      throw unauthorized();
    }
    req.feedId = feedId;
    next();
  };
}
