import type { Queue } from 'bullmq';
import type { SchoolHours } from '../../config/school-hours';
import { nextReminderAt } from '../domain/school-time';
import { enqueueDelivery } from '../delivery/delivery.queue';
import type { DeliveryStore, NewDelivery } from '../delivery/delivery.store';
import { deliveryPriority } from '../delivery/delivery-policy';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob } from '../platform/queues';
import type { EpisodeRecord, EpisodeStore } from './episode.store';
import { deliveryIdOf } from './plan-fanout';

const log = moduleLogger('remind');

export type RemindDeps = {
  events: EventStore;
  episodes: EpisodeStore;
  deliveries: DeliveryStore;
  directory: DirectoryStore;
  deliver: Queue<DeliverJob>;
  intervalHours: number;
  schoolHours: SchoolHours;
  holidays: readonly string[];
  attempts: number;
  lockMs: number;
  now: () => Date;
};

/** When an open, alerted episode's next "still missing" reminder is due; undefined when off. */
export function reminderDue(episode: EpisodeRecord, deps: Pick<RemindDeps, 'intervalHours' | 'schoolHours' | 'holidays'>): Date | undefined {
  if (episode.state !== 'open' || !episode.reported) return undefined;
  const from = episode.lastReminderAt ?? episode.alertedAt;
  if (!from) return undefined;
  return nextReminderAt(new Date(from), deps.intervalHours, deps.schoolHours, deps.holidays);
}

/**
 * SPEC §7: while an episode stays open its direct recipients get a reminder every
 * REMINDER_INTERVAL_HOURS of school hours, threaded to their alert. Runs under the episode
 * lock and re-reads the episode, so a reminder never goes out after the episode closed.
 */
export async function sendDueReminders(deps: RemindDeps): Promise<number> {
  if (deps.intervalHours === 0) return 0;
  let sent = 0;
  for (const listed of await deps.episodes.list('open')) {
    const due = reminderDue(listed, deps);
    if (!due || deps.now() < due) continue;
    const release = await deps.episodes.lock(listed.episodeId, deps.lockMs);
    if (!release) continue;
    try {
      const episode = await deps.episodes.get(listed.episodeId);
      const stillDue = episode ? reminderDue(episode, deps) : undefined;
      if (!episode || !stillDue || deps.now() < stillDue) continue;
      const n = (episode.remindersSent ?? 0) + 1;
      const uid = `rem-${episode.episodeId}-${n}`;
      const report = (await deps.events.eventsOfEpisode(episode.episodeId)).find((e) => e.type === 'missing.reported');
      const roots = new Map((await deps.deliveries.ofEpisode(episode.episodeId, false)).map((d) => [d.deliveryId, d]));
      const risk = episode.risk ?? 'medium';
      const created: NewDelivery[] = [];
      for (const recipient of await deps.episodes.recipients(episode.episodeId)) {
        const root = roots.get(recipient.threadRoot);
        if (recipient.audience !== 'direct' || root?.status !== 'sent') continue;
        // Whether this contact is still there is decided when it is sent (SPEC §6): a leaver's
        // reminder is superseded there, the MASH team told and the organisation's new contacts alerted.
        const delivery: NewDelivery = {
          deliveryId: deliveryIdOf(uid, recipient),
          eventUid: uid,
          eventId: report?.eventId ?? root.eventId,
          episodeId: episode.episodeId,
          feedId: episode.feedId,
          kind: 'reminder',
          audience: 'direct',
          organisation: root.organisation,
          contact: root.contact,
          status: 'pending',
          threadOf: recipient.threadRoot,
          asOf: null,
          ackable: false,
          risk,
          priority: deliveryPriority('direct', risk),
        };
        // Queued whether or not this run created it: a run that died after creating must not strand it.
        await deps.deliveries.create(delivery, deps.now(), `reminder ${n}`);
        created.push(delivery);
      }
      await deps.episodes.save({ ...episode, remindersSent: n, lastReminderAt: stillDue.toISOString(), updatedAt: deps.now().toISOString() });
      for (const delivery of created) await enqueueDelivery(deps.deliver, delivery, deps.attempts);
      sent += created.length;
      log.info({ episodeId: episode.episodeId, reminder: n, deliveries: created.length }, 'reminders queued');
    } finally {
      await release();
    }
  }
  return sent;
}
