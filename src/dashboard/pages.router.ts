import { readFileSync } from 'node:fs';
import express, { Router, type Request } from 'express';
import { BANK_HOLIDAYS_ENGLAND_WALES } from '../../config/bank-holidays';
import { LOCALITIES, localityByName } from '../../config/localities';
import type { SchoolHours } from '../../config/school-hours';
import { ackDeadline } from '../domain/school-time';
import type { DeliveryWithHistory } from '../delivery/delivery.store';
import { retryDelivery } from '../delivery/retry';
import { ImportFormatError } from '../directory/csv-records';
import { auditDetail, type OrganisationChange } from '../directory/directory-changes';
import { importContacts } from '../directory/directory-import';
import { organisationKey } from '../directory/organisation';
import { foldEpisode } from '../episodes/episode';
import { episodeSummary } from '../episodes/episode-view';
import { workersAlive } from '../platform/heartbeat';
import type { MailSink } from '../platform/mail-sink';
import { HttpProblem, notFound } from '../platform/problem';
import { allowFramesFromSelf, asCaughtMailPart } from '../platform/security-headers';
import { QUEUE_NAMES, type Queues } from '../platform/queues';
import { withRedis, type RedisClient } from '../platform/redis';
import type { Stores } from '../stores';
import { auditBeforeAnswer } from '../access/audit.store';
import { dashboardAuth } from '../access/auth';
import { buildBoard } from './board';
import { loadRecentEpisodes } from '../reports/report.queries';
import { repeatEpisodeCounts } from '../reports/report';
import { pageOfMail } from './mail.queries';
import { checkCsrf, pageAuth } from '../access/page-auth';
import { pageErrors } from './page-errors';
import { boardView, type ReturnInterview } from './views/board';
import { sendDashboardPage, type PageContext } from './views/common';
import { directoryView, type ContactToCorrect, type DirectoryPage } from './views/directory';
import { episodeView } from './views/episode';
import { auditView, exportView, mailView, queuesView } from './views/operations';
import { failedView, overdueView } from './views/work-lists';
import { ORGANISATION_TYPES, type OrganisationType } from '../domain/organisation-ref';
import { actorOf } from '../access/actor';

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

const asset = (name: string) => readFileSync(new URL(`../platform/assets/${name}`, import.meta.url));
const SCRIPTS = { 'board.js': asset('board.js'), 'import.js': asset('import.js') };

/** Where a form may send the browser back to: a dashboard path, never another site. */
const BACK = /^\/dashboard(\/[A-Za-z0-9_-]+)*$/;
const EPISODE_ID = /^ep_[0-9a-f]{24}$/;
const DAY_MS = 24 * 3600_000;

const smallForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
/** A county's contacts file is a few hundred kilobytes. */
const csvForm = express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 5 });

const queryString = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).trim() : '');

/**
 * SPEC §8: the MASH education worker's dashboard, server-rendered behind sign-in. Reads go
 * through the stages' stores; every view of a child's details and every action is audited.
 */
export function pagesRouter(deps: PagesRouterDeps): Router {
  const router = Router();
  const { stores, now } = deps;
  const signedIn = pageAuth(stores.sessions, now);
  const staff = signedIn('admin', 'mash');
  const context = (req: Request): PageContext => ({ user: req.user!, path: req.path, hasMail: deps.mailSink !== undefined });
  const actor = (req: Request) => actorOf(req.user!);

  for (const [name, body] of Object.entries(SCRIPTS)) {
    router.get(`/assets/${name}`, (_req, res) => {
      res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(body);
    });
  }
  router.get('/', (_req, res) => res.redirect(303, '/dashboard'));

  async function loadBoard() {
    const open = await stores.episodes.list('open');
    const summaries = await Promise.all(open.map(async (e) => episodeSummary(e, await stores.deliveries.ofEpisode(e.episodeId, false))));
    return buildBoard(summaries, now(), repeatEpisodeCounts(await loadRecentEpisodes(stores, now())));
  }

  /** Police references of the episodes that `deliveries` belong to. */
  async function referencesOf(deliveries: readonly DeliveryWithHistory[]): Promise<Map<string, string>> {
    const ids = [...new Set(deliveries.map((d) => d.episodeId))];
    const episodes = await Promise.all(ids.map((id) => stores.episodes.get(id)));
    return new Map(episodes.flatMap((e) => (e ? [[e.episodeId, e.policeReference] as const] : [])));
  }

  router.get('/dashboard', ...staff, async (req, res) => {
    const [board, found] = await withRedis(() => Promise.all([loadBoard(), stores.episodes.list('found')]));
    const returnInterviews: ReturnInterview[] = found
      .filter((e) => e.returnInterviewDueAt && Date.parse(e.returnInterviewDueAt) > now().getTime() - 7 * DAY_MS)
      .map((e) => ({ episodeId: e.episodeId, policeReference: e.policeReference, foundAt: e.foundAt ?? null, returnInterviewDueAt: e.returnInterviewDueAt! }))
      .sort((a, b) => a.returnInterviewDueAt.localeCompare(b.returnInterviewDueAt));
    sendDashboardPage(res, context(req), 'Open episodes', boardView(board, returnInterviews));
  });

  // JSON for board.js: the same guard as the API (a 401 problem, not a redirect, when signed out).
  router.get('/dashboard/board.json', ...dashboardAuth(stores.sessions, now)('admin', 'mash'), async (_req, res) => {
    res.json(await withRedis(loadBoard));
  });

  router.get('/dashboard/episodes/:episodeId', ...staff, async (req, res) => {
    const episodeId = String(req.params.episodeId);
    const episode = EPISODE_ID.test(episodeId) ? await withRedis(() => stores.episodes.get(episodeId)) : undefined;
    if (!episode) throw notFound('There is no episode at this address.');
    const [events, deliveries] = await withRedis(() => Promise.all([stores.events.eventsOfEpisode(episodeId), stores.deliveries.ofEpisode(episodeId)]));
    // Written before the details are shown: no unaudited view, even when the audit write fails.
    await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: actor(req), action: 'child.view', subject: episodeId });
    const facts = events.length > 0 ? foldEpisode(events).facts : episode.facts;
    sendDashboardPage(res, context(req), `Episode ${episode.policeReference}`, episodeView({ episode, facts, events, deliveries, user: req.user! }));
  });

  router.post('/dashboard/deliveries/:deliveryId/retry', ...staff, smallForm, async (req, res) => {
    checkCsrf(req);
    const back = typeof req.body?.back === 'string' && BACK.test(req.body.back) ? (req.body.back as string) : '/dashboard/failed';
    const outcome = await withRedis(
      () => retryDelivery({ deliveries: stores.deliveries, deliver: deps.queues.deliver, audit: stores.audit, attempts: deps.retryAttempts, now }, String(req.params.deliveryId), req.user!),
      10_000,
    );
    if (!outcome.ok && outcome.reason === 'not-found') throw notFound('There is no such delivery.');
    if (!outcome.ok) throw new HttpProblem(409, 'not-failed', 'Cannot retry', `Only a failed or bounced delivery can be retried; this one is ${outcome.current}. Go back and reload the page.`);
    res.redirect(303, back);
  });

  router.get('/dashboard/failed', ...staff, async (req, res) => {
    const ids = await withRedis(async () => [...(await stores.deliveries.withStatus('failed', { limit: 1000 })), ...(await stores.deliveries.withStatus('bounced', { limit: 1000 }))]);
    const deliveries = (await withRedis(() => stores.deliveries.load(ids)))
      .filter((d) => d.status === 'failed' || d.status === 'bounced')
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))
      .slice(0, 200);
    const references = await withRedis(() => referencesOf(deliveries));
    sendDashboardPage(res, context(req), 'Failed deliveries', failedView({ deliveries, references, user: req.user! }));
  });

  router.get('/dashboard/overdue', ...staff, async (req, res) => {
    const ids = await withRedis(() => stores.deliveries.unacknowledged({ limit: 500 }));
    const deliveries = (await withRedis(() => stores.deliveries.load(ids))).filter((d) => d.sentAt && !d.acknowledgedAt);
    const references = await withRedis(() => referencesOf(deliveries));
    const deadlines = new Map(
      deliveries.map((d) => [d.deliveryId, ackDeadline(new Date(d.sentAt!), deps.ackDeadlineSeconds, d.risk, deps.schoolHours, BANK_HOLIDAYS_ENGLAND_WALES)] as const),
    );
    sendDashboardPage(res, context(req), 'Not acknowledged', overdueView({ deliveries, references, deadlines, user: req.user!, now: now() }));
  });

  async function directoryPage(req: Request, extra: Partial<DirectoryPage> = {}): Promise<DirectoryPage> {
    const type = (ORGANISATION_TYPES as readonly string[]).includes(queryString(req, 'type')) ? (queryString(req, 'type') as OrganisationType) : undefined;
    const locality = localityByName(queryString(req, 'locality'));
    const organisations = await withRedis(() => stores.directory.list({ type, locality }));
    const contactsToCorrect = await withRedis(() => contactsToCorrectOf());
    return { organisations, contactsToCorrect, filter: { type, locality }, localities: LOCALITIES.map((l) => l.name), user: req.user!, ...extra };
  }

  /** The data-quality list (SPEC §13), with each contact's name as the directory has it now. */
  async function contactsToCorrectOf(): Promise<ContactToCorrect[]> {
    const entries = await stores.dataQuality.list(200);
    const organisations = await stores.directory.getMany(entries.map((e) => e.organisation));
    return entries.map((entry) => {
      const contact = organisations.get(organisationKey(entry.organisation.type, entry.organisation.id))?.contacts.find((c) => c.contactId === entry.contactId);
      return { ...entry, contactName: contact?.active ? contact.name : undefined };
    });
  }

  router.get('/dashboard/directory', ...staff, async (req, res) => {
    sendDashboardPage(res, context(req), 'Directory', directoryView(await directoryPage(req)));
  });

  router.post('/dashboard/directory/import', ...signedIn('admin'), csvForm, async (req, res) => {
    checkCsrf(req);
    const csv = typeof req.body?.csv === 'string' ? (req.body.csv as string) : '';
    const fail = async (importError: string) =>
      sendDashboardPage(res, context(req), 'Directory', directoryView(await directoryPage(req, { importError, csv })), 422);
    if (csv.trim() === '') return fail('Paste the CSV into the box, or choose a file.');
    try {
      let changes: OrganisationChange[] = [];
      const result = await withRedis(() => importContacts(stores.directory, csv, now(), { onChanges: (c) => (changes = c) }), 30_000);
      const counts = { mode: 'upsert', created: result.created, updated: result.updated, rejected: result.rejected.length };
      await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: actor(req), action: 'directory.import', subject: 'contacts', detail: auditDetail(changes, counts) });
      sendDashboardPage(res, context(req), 'Directory', directoryView(await directoryPage(req, { result })));
    } catch (err) {
      if (err instanceof ImportFormatError) return fail(`The file cannot be imported: ${err.message}.`);
      throw err;
    }
  });

  router.get('/dashboard/queues', ...staff, async (req, res) => {
    const health = await withRedis(async () => ({
      queues: await Promise.all(
        Object.values(QUEUE_NAMES).map(async (name) => ({
          name,
          counts: await deps.queues[name].getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
        })),
      ),
      workersAlive: await workersAlive(deps.redis, deps.prefix, now().getTime()),
      outbox: (await stores.events.unrouted(Number.MAX_SAFE_INTEGER, 100_000)).length,
    }));
    sendDashboardPage(res, context(req), 'Queue health', queuesView(health));
  });

  router.get('/dashboard/audit', ...staff, async (req, res) => {
    sendDashboardPage(res, context(req), 'Audit log', auditView(await withRedis(() => stores.audit.recent(200))));
  });

  router.get('/dashboard/export', ...staff, (req, res) => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    sendDashboardPage(res, context(req), 'Export', exportView({ from: day(now().getTime() - 30 * DAY_MS), to: day(now().getTime()) }));
  });

  if (deps.mailSink) {
    const sink = deps.mailSink;
    router.get('/dashboard/mail', ...staff, async (req, res) => {
      const cursor = { after: queryString(req, 'after') || undefined, before: queryString(req, 'before') || undefined };
      const page = pageOfMail(sink.messages(), cursor);
      // Caught alerts hold the child's details: viewing them is audited like the episode page.
      const shown = page.messages.length > 0 ? `messages ${page.start + 1} to ${page.start + page.messages.length} of ${page.total}` : `none of ${page.total}`;
      await auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: actor(req), action: 'dev-mail.view', subject: 'sink', detail: shown });
      allowFramesFromSelf(res);
      sendDashboardPage(res, context(req), 'Caught mail', mailView(page));
    });

    // Not audited itself: a message's id is a random UUID learnt only from the audited page or API.
    router.get('/dashboard/mail/:messageId/html', ...staff, (req, res) => {
      const message = sink.messages().find((m) => m.id === req.params.messageId);
      if (!message?.html) throw notFound('The sink holds no such message, or it has no HTML part.');
      asCaughtMailPart(res);
      res.type('html').send(message.html);
    });
  }

  router.use(pageErrors);
  return router;
}
