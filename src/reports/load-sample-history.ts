import type { Queue } from 'bullmq';
import { applyDeliveryReport } from '../delivery/bounces';
import { sampleDirectory } from '../directory/sample-directory';
import { fanOutEvent } from '../episodes/fan-out';
import { acceptEvent } from '../intake/accept-event';
import { eventUid } from '../intake/ids';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob, FanoutJob, NotifyJob } from '../platform/queues';
import type { Stores } from '../stores';
import { SAMPLE_FEED_ID, sampleHistoryEvents, sampleOutcome } from './sample-history';

const log = moduleLogger('sample-history');

/**
 * Writes the fictional sample history (sample-history.ts) through the real intake and fan-out,
 * each step on the simulated clock of its event, then records what the plan says became of each
 * delivery through the delivery store's own transitions (a bounce through the real bounce path,
 * which also lists the contact on the directory's data-quality list), and the return home
 * interviews recorded as done. The queues are held back: nothing is emailed, and a worker started
 * later finds every delivery final. Running it again adds nothing.
 */
export async function loadSampleHistory(
  stores: Pick<Stores, 'events' | 'episodes' | 'deliveries' | 'directory' | 'dataQuality'>,
  until: string,
): Promise<{ events: number; deliveries: number }> {
  const held = { add: async () => undefined, addBulk: async () => [] } as unknown as Queue<FanoutJob> & Queue<DeliverJob> & Queue<NotifyJob>;
  const contactIndex = new Map(sampleDirectory(new Date(0)).flatMap((o) => o.contacts.map((c, i) => [`${o.type}:${o.id}:${c.contactId}`, i] as const)));
  let accepted = 0;
  let recorded = 0;
  for (const { k, receivedAt, body, returnInterviewDoneAt } of sampleHistoryEvents(until)) {
    const posted = new Date(receivedAt);
    const result = await acceptEvent({ events: stores.events, fanout: held }, SAMPLE_FEED_ID, body, posted);
    if (result.outcome === 'replay') continue;
    if (result.outcome !== 'accepted') throw new Error(`a sample event was not accepted: ${result.outcome}`);
    accepted += 1;
    const uid = eventUid(SAMPLE_FEED_ID, String(body.eventId));
    await fanOutEvent(
      { events: stores.events, episodes: stores.episodes, deliveries: stores.deliveries, directory: stores.directory, deliver: held, lockMs: 30_000, now: () => new Date(posted.getTime() + 1000) },
      uid,
      1,
    );
    const rank = (d: { audience: string; organisation: { type: string } }) => (d.audience === 'direct' ? 0 : 2) + (d.organisation.type === 'school' ? 0 : 1);
    const created = (await stores.deliveries.ofEpisode(result.body.episodeId, false))
      .filter((d) => d.eventUid === uid && d.status === 'pending')
      .sort((a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt) || a.deliveryId.localeCompare(b.deliveryId));
    // Each delivery's steps in order; the deliveries of one event side by side (ioredis pipelines them).
    await Promise.all(created.map(async (d, order) => {
      const index = contactIndex.get(`${d.organisation.type}:${d.organisation.id}:${d.contact.contactId}`) ?? 0;
      const outcome = sampleOutcome(k, d, index, order, receivedAt);
      const at = (iso: string) => new Date(iso);
      const sendingAt = new Date(Date.parse(outcome.sentAt ?? receivedAt) - 500);
      await stores.deliveries.transition(d.deliveryId, 'sending', sendingAt, { detail: 'sample: sending', countAttempt: true, eventUid: uid });
      if (outcome.failed) {
        await stores.deliveries.transition(d.deliveryId, 'failed', new Date(sendingAt.getTime() + 500), { detail: outcome.failed, fields: { lastError: outcome.failed }, eventUid: uid });
      } else {
        await stores.deliveries.transition(d.deliveryId, 'sent', at(outcome.sentAt!), { detail: 'sample: 250 accepted', fields: { sentAt: outcome.sentAt, lastError: null }, eventUid: uid });
      }
      if (outcome.bouncedAt) {
        const bounce = { action: 'failed' as const, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <former.contact@school.endeavor.test>: user unknown' };
        await applyDeliveryReport({ deliveries: stores.deliveries, dataQuality: stores.dataQuality, notify: held, now: () => at(outcome.bouncedAt!) }, { deliveryId: d.deliveryId, attempt: undefined }, bounce);
      }
      if (outcome.escalatedAt) await stores.deliveries.markEscalated(d.deliveryId, at(outcome.escalatedAt), 'sample: not acknowledged in time');
      if (outcome.acknowledgedAt) await stores.deliveries.acknowledge(d.deliveryId, at(outcome.acknowledgedAt), 'sample: acknowledged');
      recorded += 1;
    }));
    if (returnInterviewDoneAt) {
      await stores.episodes.recordReturnInterviewDone(result.body.episodeId, { recordedAt: returnInterviewDoneAt, recordedBy: 'sample:history' });
    }
  }
  log.info({ events: accepted, deliveries: recorded }, 'sample history loaded');
  return { events: accepted, deliveries: recorded };
}
