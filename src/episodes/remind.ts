import type { Queue } from 'bullmq';
import type { SchoolHours } from '../../config/school-hours';
import { enqueueDelivery } from '../delivery/delivery.queue';
import type { DeliveryStore } from '../delivery/delivery.store';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { moduleLogger } from '../platform/logger';
import type { DeliverJob } from '../platform/queues';
import type { EpisodeStore } from './episode.store';
import { planReminder, reminderDue } from './plan-reminder';

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

/**
 * SPEC §7: while an episode stays open its direct recipients get a reminder every
 * REMINDER_INTERVAL_HOURS of school hours, threaded to their alert. Runs under the episode
 * lock and re-reads the episode, so a reminder never goes out after the episode closed.
 */
export async function sendDueReminders(deps: RemindDeps): Promise<number> {
  if (deps.intervalHours === 0) return 0;
  let sent = 0;
  // Only the open episodes whose last reminder (or alert) is at least the interval ago can be due.
  const candidates = await deps.episodes.reminderCandidates(deps.now().getTime() - deps.intervalHours * 3600_000);
  for (const listed of candidates) {
    const due = reminderDue(listed, deps);
    if (!due || deps.now() < due) continue;
    const release = await deps.episodes.lock(listed.episodeId, deps.lockMs);
    if (!release) continue;
    try {
      const episode = await deps.episodes.get(listed.episodeId);
      const stillDue = episode ? reminderDue(episode, deps) : undefined;
      if (!episode || !stillDue || deps.now() < stillDue) continue;
      const [events, deliveries, recipients] = await Promise.all([
        deps.events.eventsOfEpisode(episode.episodeId),
        deps.deliveries.ofEpisode(episode.episodeId, false),
        deps.episodes.recipients(episode.episodeId),
      ]);
      const plan = planReminder({
        episode,
        due: stillDue,
        report: events.find((e) => e.type === 'missing.reported'),
        recipients,
        roots: new Map(deliveries.map((d) => [d.deliveryId, d])),
        now: deps.now(),
      });
      // Queued whether or not this run created them: a run that died after creating must not strand them.
      for (const delivery of plan.deliveries) await deps.deliveries.create(delivery, deps.now(), `reminder ${plan.n}`);
      await deps.episodes.save(plan.episode);
      for (const delivery of plan.deliveries) await enqueueDelivery(deps.deliver, delivery, deps.attempts);
      sent += plan.deliveries.length;
      log.info({ episodeId: episode.episodeId, reminder: plan.n, deliveries: plan.deliveries.length }, 'reminders queued');
    } finally {
      await release();
    }
  }
  return sent;
}
