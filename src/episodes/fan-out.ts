import type { Queue } from 'bullmq';
import { localityOfDistrict } from '../../config/localities';
import type { Delivery, DeliveryStore } from '../delivery/delivery.store';
import { enqueueDeliveries } from '../delivery/delivery.queue';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob } from '../platform/queues';
import { foldEpisode, latestEvent } from './episode';
import type { EpisodeStore } from './episode.store';
import { AREA_BATCH, fanoutSteps } from './fanout-steps';
import { messageFactsOf } from './message-facts';
import { planEventFanout, type EventFanout } from './plan-fanout';
import type { OrganisationRef } from '../domain/organisation-ref';

const log = moduleLogger('fan-out');

export type FanoutDeps = {
  events: EventStore;
  episodes: EpisodeStore;
  deliveries: DeliveryStore;
  directory: DirectoryStore;
  deliver: Queue<DeliverJob>;
  /** How long an episode lock lives: as long as a job lock, so a crashed holder frees it as soon as its job returns. */
  lockMs: number;
  /** Area deliveries written and queued per round trip (fanout-steps.ts); tests make it small. */
  areaBatch?: number;
  now: () => Date;
};

/** Another worker is fanning out an event of the same episode: try again shortly. */
export class EpisodeBusyError extends Error {
  override name = 'EpisodeBusyError';
}

/**
 * Fans one accepted event out (SPEC §4, §6): load the episode and the directory it needs,
 * decide (planEventFanout), then apply: the episode record, supersessions, the deliveries
 * written and queued (direct first, then area in batches: fanoutSteps), the recipients, and
 * the event marked routed. Every step is idempotent, so a crash anywhere is repaired by
 * running it again.
 */
export async function fanOutEvent(deps: FanoutDeps, eventUid: string, deliveryAttempts: number): Promise<'routed' | 'already' | 'missing'> {
  const stored = await deps.events.get(eventUid);
  if (!stored) return 'missing';
  if (stored.state === 'routed') return 'already';

  const release = await deps.episodes.lock(stored.episodeId, deps.lockMs);
  if (!release) throw new EpisodeBusyError(stored.episodeId);
  try {
    const now = deps.now();
    const [all, previous, recipients, existing] = await Promise.all([
      deps.events.eventsOfEpisode(stored.episodeId),
      deps.episodes.get(stored.episodeId),
      deps.episodes.recipients(stored.episodeId),
      deps.deliveries.ofEpisode(stored.episodeId, false),
    ]);
    const view = foldEpisode(all);
    const locality = view.postcodeDistrict ? localityOfDistrict(view.postcodeDistrict) : previous?.locality;
    const refs: OrganisationRef[] = [
      ...(view.schoolUrn ? [{ type: 'school' as const, id: view.schoolUrn }] : []),
      ...(view.gpOdsCode ? [{ type: 'gp' as const, id: view.gpOdsCode }] : []),
      ...recipients.map((r) => ({ type: r.orgType, id: r.orgId })),
    ];
    const school = view.schoolUrn ? await deps.directory.get('school', view.schoolUrn) : undefined;
    const directory = await deps.directory.view(refs, [locality, school?.locality].filter((l): l is string => !!l));

    const plan = planEventFanout({
      stored,
      view,
      previous,
      recipients,
      existing,
      directory,
      localityOfDistrict,
      latestUid: latestEvent(all)!.uid,
      now,
    });
    // What this event's messages describe, kept before any of its deliveries exists (deliver reads it).
    await deps.deliveries.putMessageFacts(eventUid, messageFactsOf(all, stored, plan.deliveries));

    await deps.episodes.save(plan.episode, previous);
    for (const d of plan.supersede) {
      await deps.deliveries.transition(d.deliveryId, 'superseded', now, { detail: `episode ${view.state}`, eventUid: d.eventUid });
    }
    const steps = await writeAndQueue(deps, plan, existing, now, deliveryAttempts);
    await deps.episodes.putRecipients(stored.episodeId, plan.recipients);
    await deps.events.markRouted(eventUid, now);
    log.info(
      { eventUid, episodeId: stored.episodeId, deliveries: plan.deliveries.length, steps, unroutable: plan.unroutable.length, reason: plan.reason },
      'event routed',
    );
    return 'routed';
  } finally {
    await release();
  }
}

/**
 * Writes and queues the plan's deliveries, direct before any area one and the area ones a
 * batch at a time: two round trips a step. A run that died part way left this event's records
 * pending without jobs: they are queued again in the step of their audience (job ids dedupe).
 * Returns how many steps it took.
 */
async function writeAndQueue(deps: FanoutDeps, plan: EventFanout, existing: readonly Delivery[], now: Date, attempts: number): Promise<number> {
  // requeue is drawn from existing, so every one of its ids has an audience here.
  const audienceOf = new Map(existing.map((d) => [d.deliveryId, d.audience]));
  const requeue = plan.requeue.map((d) => ({ ...d, audience: audienceOf.get(d.deliveryId) ?? 'area' }));
  const steps = fanoutSteps(plan.deliveries, requeue, deps.areaBatch ?? AREA_BATCH);
  for (const step of steps) {
    await deps.deliveries.createMany(step.create, now, (d) => (d.status === 'superseded' ? 'episode closed before its report' : 'created'));
    await enqueueDeliveries(deps.deliver, step.queue, attempts);
  }
  return steps.length;
}
