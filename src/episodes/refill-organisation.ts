import { enqueueDelivery } from '../delivery/delivery.queue';
import { moduleLogger } from '../platform/logger';
import { foldEpisode, latestEvent } from './episode';
import { EpisodeBusyError, type FanoutDeps } from './fan-out';
import { messageFactsOf } from './message-facts';
import { planFanout } from './plan-fanout';
import type { OrganisationType } from '../domain/organisation-ref';

const log = moduleLogger('refill-organisation');

/**
 * SPEC §6: a direct message to a contact who has left was superseded at send time; while the
 * episode is open, the organisation's current active contacts who have not had the alert get
 * it now. The alert's own plan is run again against the directory as it is (the planner, not a
 * copy of it) and kept to this organisation's direct recipients; delivery ids come from
 * (report, contact), so running this twice creates nothing twice.
 */
export async function refillOrganisation(
  deps: FanoutDeps,
  episodeId: string,
  organisation: { type: OrganisationType; id: string },
  deliveryAttempts: number,
): Promise<number> {
  const release = await deps.episodes.lock(episodeId, deps.lockMs);
  if (!release) throw new EpisodeBusyError(episodeId);
  try {
    const [all, episode, recipients] = await Promise.all([
      deps.events.eventsOfEpisode(episodeId),
      deps.episodes.get(episodeId),
      deps.episodes.recipients(episodeId),
    ]);
    const report = all.find((e) => e.type === 'missing.reported');
    if (!episode || episode.state !== 'open' || episode.closedBy || !report || all.length === 0) return 0;
    const view = foldEpisode(all);
    if (view.state !== 'open') return 0;
    // Only this organisation, and no locality: nobody else is brought in by a leaver.
    const directory = await deps.directory.view([organisation], []);
    const plan = planFanout({
      stored: report,
      view,
      wasClosed: false,
      recipients,
      rootStatus: new Map(),
      rootRecipients: new Map(),
      directory,
      localityOfDistrict: () => undefined,
      previousLocality: episode.locality,
      latestUid: latestEvent(all)!.uid,
    });
    const ours = (o: { type: string; id: string }) => o.type === organisation.type && o.id === organisation.id;
    const deliveries = plan.deliveries.filter((d) => d.audience === 'direct' && d.status === 'pending' && ours(d.organisation));
    const entries = plan.recipients.filter((e) => e.audience === 'direct' && ours({ type: e.orgType, id: e.orgId }));
    const now = deps.now();
    await deps.deliveries.putMessageFacts(report.uid, messageFactsOf(all, report, deliveries));
    for (const delivery of deliveries) {
      await deps.deliveries.create(delivery, now, 'created: the contact it was for has left');
    }
    await deps.episodes.putRecipients(episodeId, entries);
    for (const delivery of deliveries) await enqueueDelivery(deps.deliver, delivery, deliveryAttempts);
    log.info({ episodeId, orgType: organisation.type, orgId: organisation.id, deliveries: deliveries.length }, 'organisation refilled');
    return deliveries.length;
  } finally {
    await release();
  }
}
