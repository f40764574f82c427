import type { DirectoryStore } from '../directory/directory.store';
import { moduleLogger } from '../platform/logger';
import type { NotifyJob } from '../platform/queues';
import type { DeliveryStore, DeliveryWithHistory } from './delivery.store';
import type { EpisodeFold, EpisodeLookup } from './episode-source';
import type { MailTransport } from './mail.transport';
import type { EventStore } from '../intake/event.store';
import { renderAckAnswerNotice, renderEscalationNotice, renderFailureNotice, renderSupersededNotice } from './staff-notices';
import { noticeReadiness, noticeRecipients } from './notice-plan';

const log = moduleLogger('notices');

export type NoticeDeps = {
  deliveries: DeliveryStore;
  episodes: EpisodeLookup;
  fold: EpisodeFold;
  directory: DirectoryStore;
  events: EventStore;
  transport: MailTransport;
  messageDomain: string;
  publicBaseUrl: string;
  mashEmail: string | undefined;
  /** POLICE_CONTACT_DOMAINS: where recipients' answers may go (SPEC §7). */
  policeContactDomains: readonly string[];
  /** Seconds of school time given to acknowledge, for the escalation notice's deadline line. */
  deadlineFor?: (sentAt: string, risk: string) => string | undefined;
  now: () => Date;
};

/** The record has not yet reached the state the notice is about: BullMQ tries again shortly. */
export class NoticeNotReadyError extends Error {
  override name = 'NoticeNotReadyError';
}

/**
 * Sends one staff notice (SPEC §5): a direct delivery that failed for good, bounced, or was
 * superseded because its contact or organisation is no longer active (§6), goes to MASH_EMAIL;
 * an unacknowledged one goes to the organisation's deputies and MASH_EMAIL.
 * Notices name the organisation and role and link to the dashboard: never the child.
 */
export async function sendNotice(deps: NoticeDeps, job: NotifyJob, noticeId: string): Promise<number> {
  const delivery = await deps.deliveries.get(job.deliveryId);
  if (!delivery) return 0;
  const readiness = noticeReadiness(job.notice, delivery);
  if (readiness === 'not-ready') throw new NoticeNotReadyError(delivery.deliveryId);
  if (readiness === 'moot') return 0;
  const episode = await deps.episodes.get(delivery.episodeId);
  // The child's name facts keep the reference out of the subject when it holds the name.
  const events = await deps.events.eventsOfEpisode(delivery.episodeId);
  const facts = events.length > 0 ? deps.fold.all(events).facts : undefined;
  const base = {
    policeReference: episode?.policeReference ?? facts?.policeReference ?? 'unknown',
    child: facts?.child,
    organisation: delivery.organisation,
    contact: { name: delivery.contact.name, role: delivery.contact.role },
    dashboardUrl: `${deps.publicBaseUrl}/dashboard/episodes/${delivery.episodeId}`,
    noticeId,
    messageDomain: deps.messageDomain,
    risk: delivery.risk,
  };

  const organisation = job.notice === 'escalation' ? await deps.directory.get(delivery.organisation.type, delivery.organisation.id) : undefined;
  const recipients = noticeRecipients(job.notice, {
    mashEmail: deps.mashEmail,
    policeContactEmail: facts?.contact?.email,
    policeContactDomains: deps.policeContactDomains,
    organisationContacts: organisation?.contacts ?? [],
    organisationActive: organisation?.active ?? false,
    deliveryContactId: delivery.contact.contactId,
  });
  const message = renderNotice(job.notice, delivery, base, deps.deadlineFor);
  if (recipients.length === 0) {
    log.warn({ deliveryId: delivery.deliveryId, notice: job.notice }, 'notice has nobody to go to (set MASH_EMAIL)');
    return 0;
  }
  for (const [i, to] of recipients.entries()) {
    // One Message-ID per recipient, kept across retries of this job.
    await deps.transport.send({
      to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: message.headers,
      messageId: i === 0 ? message.messageId : message.messageId.replace('@', `-${i}@`),
    });
  }
  await deps.deliveries.note(delivery.deliveryId, {
    at: deps.now().toISOString(),
    status: 'notice',
    detail: `${job.notice} notice sent to ${recipients.length} recipient(s)`,
  });
  log.info({ deliveryId: delivery.deliveryId, notice: job.notice, recipients: recipients.length }, 'notice sent');
  return recipients.length;
}

type NoticeBase = Parameters<typeof renderEscalationNotice>[0];

/** The notice's message: what happened to the delivery, in the words of its kind (pure). */
function renderNotice(notice: NotifyJob['notice'], delivery: DeliveryWithHistory, base: NoticeBase, deadlineFor: NoticeDeps['deadlineFor']) {
  if (notice === 'failure' || notice === 'bounce') {
    // SPEC §5: one failure notice for a delivery that failed for good or bounced; a bounce's attempts say nothing.
    const attempts = notice === 'failure' ? { attempts: delivery.attempts } : {};
    return renderFailureNotice({ ...base, kind: delivery.kind, lastError: delivery.lastError ?? 'unknown error', ...attempts });
  }
  if (notice === 'superseded') {
    const reason = [...delivery.history].reverse().find((h) => h.status === 'superseded')?.detail ?? 'the recipient is no longer active';
    return renderSupersededNotice({ ...base, kind: delivery.kind, reason });
  }
  if (notice === 'ack-answer') {
    return renderAckAnswerNotice({
      ...base,
      inSchoolToday: delivery.acknowledgement.inSchoolToday,
      note: delivery.acknowledgement.note,
      acknowledgedAt: delivery.acknowledgedAt,
    });
  }
  const deadlineAt = delivery.sentAt && deadlineFor ? deadlineFor(delivery.sentAt, delivery.risk) : undefined;
  return renderEscalationNotice({ ...base, ...(delivery.sentAt ? { sentAt: delivery.sentAt } : {}), ...(deadlineAt ? { deadlineAt } : {}) });
}
