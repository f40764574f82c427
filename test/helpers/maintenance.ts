import { BANK_HOLIDAYS_ENGLAND_WALES } from '../../config/bank-holidays';
import { escalateOverdue } from '../../src/ack/escalate';
import { purgeExpired } from '../../src/episodes/purge';
import { sendDueReminders } from '../../src/episodes/remind';
import type { TestApp } from './app';

/*
 * The scheduled maintenance tasks, run once at a chosen moment with the app's stores, queues and
 * configuration, wired as workers/start-workers.ts wires them. A test calls these instead of
 * moving a clock and waiting for the scheduler to come round; the work they queue is then
 * waited for with `drained`.
 */

/** SPEC §7: escalates what is overdue at `at`; the count of deliveries escalated. */
export const escalateAt = (app: TestApp, at: Date) =>
  escalateOverdue({
    deliveries: app.stores.deliveries,
    episodes: app.stores.episodes,
    notify: app.queues.notify,
    deadlineSeconds: app.config.ackDeadlineSeconds,
    schoolHours: app.config.schoolHours,
    holidays: BANK_HOLIDAYS_ENGLAND_WALES,
    now: () => at,
  });

/** SPEC §7: queues the reminders due at `at`; the count of reminder deliveries queued. */
export const remindAt = (app: TestApp, at: Date) =>
  sendDueReminders({
    events: app.stores.events,
    episodes: app.stores.episodes,
    deliveries: app.stores.deliveries,
    directory: app.stores.directory,
    deliver: app.queues.deliver,
    intervalHours: app.config.reminderIntervalHours,
    schoolHours: app.config.schoolHours,
    holidays: BANK_HOLIDAYS_ENGLAND_WALES,
    attempts: app.config.retry.attempts,
    lockMs: app.config.jobs.lockMs,
    now: () => at,
  });

/** SPEC §2: purges what has outlived RETENTION_DAYS at `at`; the count of episodes purged. */
export const purgeAt = (app: TestApp, at: Date) =>
  purgeExpired({
    events: app.stores.events,
    episodes: app.stores.episodes,
    deliveries: app.stores.deliveries,
    retentionDays: app.config.retentionDays,
    lockMs: app.config.jobs.lockMs,
    now: () => at,
  });

/** `ms` after `from` (default: now), for the `at` of the tasks above. */
export const later = (ms: number, from = new Date()) => new Date(from.getTime() + ms);
