import type { Queue } from 'bullmq';
import { localityOfDistrict } from '../../config/localities';
import type { DeliveryStore } from '../delivery/delivery.store';
import { enqueueDelivery } from '../delivery/delivery.queue';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob } from '../platform/queues';
import { foldEpisode, latestEvent } from './episode';
import type { EpisodeStore } from './episode.store';
import { messageFactsOf } from './message-facts';
import { planEventFanout } from './plan-fanout';
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
  now: () => Date;
};

/** Another worker is fanning out an event of the same episode: try again shortly. */
export class EpisodeBusyError extends Error {
  override name = 'EpisodeBusyError';
}

/**
 * Fans one accepted event out (SPEC §4, §6): load the episode and the directory it needs,
 * decide (planEventFanout), then apply: the episode record, supersessions, one delivery per
 * contact queued as it is recorded, and the event marked routed. Every step is idempotent, so
 * a crash anywhere is repaired by running it again.
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

    await deps.episodes.save(plan.episode);
    for (const d of plan.supersede) {
      await deps.deliveries.transition(d.deliveryId, 'superseded', now, { detail: `episode ${view.state}`, eventUid: d.eventUid });
    }
    // Each delivery is queued as soon as it is recorded, direct ones first: the child's own
    // school need not wait for the bookkeeping of a large area broadcast.
    for (const delivery of plan.deliveries) {
      await deps.deliveries.create(delivery, now, delivery.status === 'superseded' ? 'episode closed before its report' : 'created');
      if (delivery.status === 'pending') await enqueueDelivery(deps.deliver, delivery, deliveryAttempts);
    }
    await deps.episodes.putRecipients(stored.episodeId, plan.recipients);
    // A run that died while queuing left this event's records pending: queue them too (job ids dedupe).
    for (const d of plan.requeue) await enqueueDelivery(deps.deliver, d, deliveryAttempts);
    await deps.events.markRouted(eventUid, now);
    log.info(
      { eventUid, episodeId: stored.episodeId, deliveries: plan.deliveries.length, unroutable: plan.unroutable.length, reason: plan.reason },
      'event routed',
    );
    return 'routed';
  } finally {
    await release();
  }
}
