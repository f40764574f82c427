import { Router } from 'express';
import type { SchoolHours } from '../../config/school-hours';
import type { MailSink } from '../platform/mail-sink';
import type { Queues } from '../platform/queues';
import type { RedisClient } from '../platform/redis';
import type { Stores } from '../stores';
import { boardPages } from './board.pages';
import { directoryPages } from './directory.pages';
import { episodePages } from './episode.pages';
import { operationsPages } from './operations.pages';
import { pageErrors } from './page-errors';
import { pageKit } from './page-kit';
import { workListPages } from './work-lists.pages';

export type PagesRouterDeps = {
  redis: RedisClient;
  prefix: string;
  stores: Pick<Stores, 'episodes' | 'events' | 'deliveries' | 'directory' | 'dataQuality' | 'audit' | 'sessions'>;
  queues: Queues;
  mailSink?: MailSink;
  ackDeadlineSeconds: number;
  schoolHours: SchoolHours;
  retryAttempts: number;
  now: () => Date;
};

/**
 * SPEC §8: the MASH education worker's dashboard, server-rendered behind sign-in. One router
 * per page group; each reads through its queries module and acts through the stages' use
 * cases. Every view of a child's details and every action is audited.
 */
export function pagesRouter(deps: PagesRouterDeps): Router {
  const { stores, now } = deps;
  const kit = pageKit(stores.sessions, deps.mailSink !== undefined, now);
  return Router()
    .use(boardPages(kit, { stores, now }))
    .use(episodePages(kit, { stores, deliver: deps.queues.deliver, retryAttempts: deps.retryAttempts, now }))
    .use(workListPages(kit, { stores, ackDeadlineSeconds: deps.ackDeadlineSeconds, schoolHours: deps.schoolHours, now }))
    .use(directoryPages(kit, { stores, now }))
    .use(operationsPages(kit, { redis: deps.redis, prefix: deps.prefix, stores, queues: deps.queues, ...(deps.mailSink ? { mailSink: deps.mailSink } : {}), now }))
    .use(pageErrors);
}
