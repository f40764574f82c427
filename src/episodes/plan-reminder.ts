import type { SchoolHours } from '../../config/school-hours';
import { nextReminderAt } from '../domain/school-time';
import type { Delivery, NewDelivery } from '../delivery/delivery.store';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeRecord, RecipientEntry } from './episode.store';
import { newDelivery } from './new-delivery';

/** REMINDER_INTERVAL_HOURS of school time, counted in school hours and days. */
export type ReminderClock = { intervalHours: number; schoolHours: SchoolHours; holidays: readonly string[] };

/** When an open, alerted episode's next "still missing" reminder is due; undefined when off. */
export function reminderDue(episode: EpisodeRecord, clock: ReminderClock): Date | undefined {
  if (episode.state !== 'open' || !episode.reported) return undefined;
  const from = episode.lastReminderAt ?? episode.alertedAt;
  if (!from) return undefined;
  return nextReminderAt(new Date(from), clock.intervalHours, clock.schoolHours, clock.holidays);
}

export type ReminderInput = {
  episode: EpisodeRecord;
  /** When this reminder fell due (reminderDue): the next one counts from it. */
  due: Date;
  /** The episode's report, whose eventId the reminders carry. */
  report: Pick<StoredEvent, 'eventId'> | undefined;
  recipients: readonly RecipientEntry[];
  /** The episode's deliveries by id: each recipient's thread root among them. */
  roots: ReadonlyMap<string, Pick<Delivery, 'status' | 'eventId' | 'organisation' | 'contact'>>;
  now: Date;
};

export type ReminderPlan = {
  /** Which reminder of the episode this is: 1 for the first. */
  n: number;
  deliveries: NewDelivery[];
  /** The episode record to save: the count and the new start of the reminder clock. */
  episode: EpisodeRecord;
};

/**
 * SPEC §7: one reminder to each direct recipient whose alert was sent, threaded to it. Ids come
 * from (episode, n, contact), so a run repeated after a crash makes the same deliveries.
 * Whether the contact is still there is decided at send time (SPEC §6): a leaver's reminder is
 * superseded there, the MASH team told and the organisation's new contacts alerted.
 */
export function planReminder(input: ReminderInput): ReminderPlan {
  const { episode, now } = input;
  const n = (episode.remindersSent ?? 0) + 1;
  const uid = `rem-${episode.episodeId}-${n}`;
  const deliveries: NewDelivery[] = [];
  for (const recipient of input.recipients) {
    const root = input.roots.get(recipient.threadRoot);
    if (recipient.audience !== 'direct' || root?.status !== 'sent') continue;
    deliveries.push(
      newDelivery({
        event: { uid, eventId: input.report?.eventId ?? root.eventId, episodeId: episode.episodeId, feedId: episode.feedId },
        kind: 'reminder',
        audience: 'direct',
        organisation: root.organisation,
        contact: root.contact,
        status: 'pending',
        threadOf: recipient.threadRoot,
        asOf: null,
        ackable: false,
        risk: episode.risk ?? 'medium',
      }),
    );
  }
  return { n, deliveries, episode: { ...episode, remindersSent: n, lastReminderAt: input.due.toISOString(), updatedAt: now.toISOString() } };
}
