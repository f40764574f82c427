import { UnrecoverableError, type Queue } from 'bullmq';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { jobOptions } from '../platform/job-options';
import { moduleLogger } from '../platform/logger';
import { noMetrics, type PipelineMetrics } from '../platform/metrics';
import type { FanoutJob, NotifyJob } from '../platform/queues';
import type { DeliveryStore, DeliveryWithHistory } from './delivery.store';
import { MISSING_KINDS, isFinal } from './delivery-status';
import { classifySmtpError, describeSmtpError, type MailTransport } from './mail.transport';
import { renderMessage } from './messages';
import type { EpisodeFold, EpisodeLookup } from './episode-source';
import { enqueueNotice } from './notice.queue';
import { contactLeft, resolveRecipient, type RecipientDecision } from './recipient';
import type { EpisodeChanges, RenderedMessage } from './message-types';

const log = moduleLogger('deliver');

export type DeliverDeps = {
  deliveries: DeliveryStore;
  episodes: EpisodeLookup;
  fold: EpisodeFold;
  events: EventStore;
  /** Read right before each send: the contact as the directory has it now (SPEC §6). */
  directory: DirectoryStore;
  transport: MailTransport;
  notify: Queue<NotifyJob>;
  /** Where a refill of an organisation whose contact has left is queued. */
  fanout: Queue<FanoutJob>;
  messageDomain: string;
  /** The personal acknowledgement link of an ackable delivery. */
  ackUrlFor: (delivery: DeliveryWithHistory) => string | undefined;
  /** The envelope sender of a delivery: its VERP bounce address when BOUNCE_DOMAIN is set. */
  envelopeFromFor?: (deliveryId: string) => string | undefined;
  now: () => Date;
  /** SPEC §12 figures: deliveries by status, and POST-to-SMTP time. */
  metrics?: PipelineMetrics;
  /** REDIS_WAIT_REPLICAS: a `sent` record reaches this many replicas before the job completes. */
  waitReplicas?: number;
};

export type Attempt = { attemptsMade: number; maxAttempts: number };

/** A temporary failure: BullMQ tries again after the capped backoff. */
export class TemporaryDeliveryError extends Error {
  override name = 'TemporaryDeliveryError';
}

/** Direct messages that ask the child's own school or practice to act carry the personal acknowledgement link. */
const CARRIES_ACK_LINK = new Set(['alert', 'update', 'reminder']);

/** The message, and when its event was POSTed (for the POST-to-SMTP figure; reminders have none). */
async function render(
  deps: DeliverDeps,
  delivery: DeliveryWithHistory,
  to: Extract<RecipientDecision, { send: true }>,
): Promise<{ message: RenderedMessage; receivedAt?: string }> {
  const events = await deps.events.eventsOfEpisode(delivery.episodeId);
  const own = events.find((e) => e.uid === delivery.eventUid);
  // A reminder belongs to no event: it describes the episode as it stands when it is due.
  if (!own && delivery.kind !== 'reminder') throw new Error('the event of this delivery is gone');
  const view = own ? deps.fold.asOf(events, delivery.asOf ?? delivery.eventUid) : deps.fold.all(events);
  const changes: EpisodeChanges | undefined = own?.event.type === 'missing.updated' ? own.event : undefined;
  const ackUrl = delivery.audience === 'direct' && CARRIES_ACK_LINK.has(delivery.kind) ? deps.ackUrlFor(delivery) : undefined;
  const message = renderMessage({
    kind: delivery.kind,
    audience: delivery.audience,
    episode: view.facts,
    ...(changes ? { changes } : {}),
    organisation: { ...delivery.organisation, name: to.organisationName },
    contact: { name: to.contact.name, role: to.contact.role },
    deliveryId: delivery.deliveryId,
    messageDomain: deps.messageDomain,
    ...(delivery.threadOf ? { threadOf: `${delivery.threadOf}@${deps.messageDomain}` } : {}),
    ...(ackUrl ? { ackUrl } : {}),
    occurredAt: own?.event.occurredAt ?? delivery.createdAt,
  });
  return own ? { message, receivedAt: own.receivedAt } : { message };
}

/**
 * Sends one delivery (SPEC §6), only while its record says it has not been sent: load,
 * claim (`sending`), render, send, record. A temporary failure is thrown for BullMQ to retry;
 * a permanent one, or the last try, ends `failed` and is not retried.
 */
export async function deliverOne(deps: DeliverDeps, deliveryId: string, attempt: Attempt): Promise<'sent' | 'skipped'> {
  const delivery = await deps.deliveries.get(deliveryId);
  if (!delivery || isFinal(delivery.status)) {
    log.info({ deliveryId, status: delivery?.status ?? 'missing' }, 'delivery skipped');
    return 'skipped';
  }
  // Never "still missing" after the child is found: a retried or late alert of a closed episode is superseded.
  if (MISSING_KINDS.has(delivery.kind) && (await deps.episodes.get(delivery.episodeId))?.state !== 'open') {
    await deps.deliveries.transition(deliveryId, 'superseded', deps.now(), { detail: 'episode closed', from: ['pending', 'retrying'], eventUid: delivery.eventUid });
    log.info({ deliveryId, status: 'superseded' }, 'delivery skipped');
    return 'skipped';
  }
  // The right person, at send time: the contact as the directory has it now, or nobody.
  const recipient = resolveRecipient(delivery, await deps.directory.get(delivery.organisation.type, delivery.organisation.id));
  if (!recipient.send) {
    await supersede(deps, delivery, recipient);
    return 'skipped';
  }
  if (!(await claim(deps, delivery, recipient))) return 'skipped';
  const attempts = delivery.attempts + 1;

  let message: RenderedMessage;
  let receivedAt: string | undefined;
  try {
    ({ message, receivedAt } = await render(deps, delivery, recipient));
  } catch (err) {
    await fail(deps, { ...delivery, attempts }, 'the message could not be rendered');
    log.error({ deliveryId, error: (err as Error).name }, 'delivery could not be rendered');
    throw new UnrecoverableError('render failed');
  }
  return send(deps, delivery, recipient, { message, attempts, attempt, ...(receivedAt ? { receivedAt } : {}) });
}

/** Claims the delivery (`sending`); false when another attempt holds it or it has moved on. */
async function claim(deps: DeliverDeps, delivery: DeliveryWithHistory, recipient: Extract<RecipientDecision, { send: true }>): Promise<boolean> {
  const { deliveryId } = delivery;
  // The record follows the directory, so the dashboard shows where the message went.
  const claimed = await deps.deliveries.transition(deliveryId, 'sending', deps.now(), {
    detail: `attempt ${delivery.attempts + 1}${recipient.changed.includes('email') ? ' (to the address the directory has now)' : ''}`,
    countAttempt: true,
    eventUid: delivery.eventUid,
    ...(recipient.changed.length > 0
      ? {
          fields: {
            contactName: recipient.contact.name,
            contactEmail: recipient.contact.email,
            contactRole: recipient.contact.role,
            orgName: recipient.organisationName,
          },
        }
      : {}),
  });
  if (!claimed.ok) log.info({ deliveryId, status: claimed.current }, 'delivery skipped');
  return claimed.ok;
}

type Rendered = { message: RenderedMessage; receivedAt?: string; attempts: number; attempt: Attempt };

/** Hands the message to SMTP and records the outcome: sent, retrying (thrown for BullMQ), or failed for good. */
async function send(
  deps: DeliverDeps,
  delivery: DeliveryWithHistory,
  recipient: Extract<RecipientDecision, { send: true }>,
  { message, receivedAt, attempts, attempt }: Rendered,
): Promise<'sent'> {
  const { deliveryId } = delivery;
  const metrics = deps.metrics ?? noMetrics;
  const counted = { kind: delivery.kind, audience: delivery.audience };
  try {
    const envelopeFrom = deps.envelopeFromFor?.(deliveryId);
    const result = await deps.transport.send({
      ...(envelopeFrom ? { envelopeFrom } : {}),
      to: recipient.contact.email,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: message.headers,
      messageId: message.messageId,
    });
    await deps.deliveries.transition(deliveryId, 'sent', deps.now(), {
      detail: result.response.slice(0, 200),
      fields: { sentAt: deps.now().toISOString(), lastError: null },
      eventUid: delivery.eventUid,
      ...(deps.waitReplicas ? { waitReplicas: deps.waitReplicas } : {}),
    });
    await metrics.count('endeavor_deliveries_total', { status: 'sent', ...counted });
    if (receivedAt) {
      await metrics.observe('endeavor_post_to_smtp_accepted_seconds', { audience: delivery.audience }, (deps.now().getTime() - Date.parse(receivedAt)) / 1000);
    }
    log.info({ deliveryId, episodeId: delivery.episodeId, kind: delivery.kind, audience: delivery.audience, attempts }, 'delivery sent');
    return 'sent';
  } catch (err) {
    const detail = describeSmtpError(err);
    const lastTry = attempt.attemptsMade + 1 >= attempt.maxAttempts;
    if (classifySmtpError(err) === 'permanent' || lastTry) {
      await fail(deps, { ...delivery, attempts }, detail);
      throw new UnrecoverableError(detail);
    }
    await deps.deliveries.transition(deliveryId, 'retrying', deps.now(), { detail, fields: { lastError: detail }, eventUid: delivery.eventUid });
    await metrics.count('endeavor_deliveries_total', { status: 'retrying', ...counted });
    log.warn({ deliveryId, attempts }, 'delivery will be retried');
    throw new TemporaryDeliveryError(detail);
  }
}

/**
 * SPEC §6: the contact or organisation is no longer active, so nothing is sent. For a direct
 * delivery the MASH team is told once per episode and contact (or organisation), and when the
 * contact left an open episode's alert goes to whoever the organisation lists now. Both are
 * queued before the record changes, so a crash between cannot lose them.
 */
async function supersede(deps: DeliverDeps, delivery: DeliveryWithHistory, decision: Extract<RecipientDecision, { send: false }>): Promise<void> {
  const { deliveryId, episodeId, organisation } = delivery;
  if (delivery.audience === 'direct') {
    const occasion = contactLeft(decision.reason) ? `${organisation.type}-${organisation.id}-${delivery.contact.contactId}` : `${organisation.type}-${organisation.id}`;
    await enqueueNotice(deps.notify, { notice: 'superseded', deliveryId }, `ns-${episodeId}-${occasion}`, 250);
    if (contactLeft(decision.reason) && MISSING_KINDS.has(delivery.kind)) {
      await deps.fanout.add('refill', { refill: { episodeId, orgType: organisation.type, orgId: organisation.id } }, jobOptions.refill(`refill-${deliveryId}`));
    }
  }
  await deps.deliveries.transition(deliveryId, 'superseded', deps.now(), {
    detail: decision.detail,
    // `sending` too: a crashed attempt comes back in it.
    from: ['pending', 'retrying', 'sending'],
    eventUid: delivery.eventUid,
  });
  log.info({ deliveryId, episodeId, reason: decision.reason }, 'delivery superseded at send time');
}

async function fail(deps: DeliverDeps, delivery: DeliveryWithHistory, detail: string): Promise<void> {
  // The notice is queued first, so a crash between the two cannot lose it; it waits until the record says failed.
  if (delivery.audience === 'direct') {
    // A short delay lets the record say failed before the notice worker looks (it would retry anyway).
    await enqueueNotice(deps.notify, { notice: 'failure', deliveryId: delivery.deliveryId }, `nf-${delivery.deliveryId}-${delivery.attempts}`, 250);
  }
  await deps.deliveries.transition(delivery.deliveryId, 'failed', deps.now(), { detail, fields: { lastError: detail }, eventUid: delivery.eventUid });
  await (deps.metrics ?? noMetrics).count('endeavor_deliveries_total', { status: 'failed', kind: delivery.kind, audience: delivery.audience });
  log.warn({ deliveryId: delivery.deliveryId, episodeId: delivery.episodeId, attempts: delivery.attempts }, 'delivery failed');
}
