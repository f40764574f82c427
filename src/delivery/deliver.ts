import { UnrecoverableError, type Queue } from 'bullmq';
import type { DirectoryStore } from '../directory/directory.store';
import type { EventStore } from '../intake/event.store';
import { jobOptions } from '../platform/job-options';
import { moduleLogger } from '../platform/logger';
import { noMetrics, type MetricWrite, type PipelineMetrics } from '../platform/metrics';
import type { Organisation } from '../directory/organisation';
import type { EpisodeState } from '../domain/episode-state';
import type { OrganisationType } from '../domain/organisation-ref';
import type { FanoutJob, NotifyJob } from '../platform/queues';
import type { ChainableCommander } from 'ioredis';
import type { ClaimResult, DeliveryStore, Delivery, OutboxNotice } from './delivery.store';
import { MISSING_KINDS, isFinal } from './delivery-status';
import { classifySmtpError, describeSmtpError, type MailTransport } from './mail.transport';
import { renderMessage } from './messages';
import type { EpisodeFold, EpisodeLookup } from './episode-source';
import { queueOutboxNotice } from './notice.queue';
import { contactLeft, resolveRecipient, type RecipientDecision } from './recipient';
import type { EpisodeChanges, EpisodeFacts, MessageFacts, RenderedMessage } from './message-types';

const log = moduleLogger('deliver');

export type DeliverDeps = {
  deliveries: DeliveryStore;
  /** The episode's key, so the send path's one read finds its state (the lookup itself serves notices). */
  episodes: EpisodeLookup & { keys: { episode(episodeId: string): string } };
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
  ackUrlFor: (delivery: Delivery) => string | undefined;
  /** The envelope sender of one attempt of a delivery: its VERP bounce address when BOUNCE_DOMAIN is set. */
  envelopeFromFor?: (deliveryId: string, attempt: number) => string | undefined;
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

/** Which messages' shared part a render may reuse: the stored facts of one event and asOf. */
const factsKeyOf = (delivery: Delivery) => `${delivery.eventUid}|${delivery.asOf ?? delivery.eventUid}`;

/**
 * What the message describes: the facts stored at fan-out for the delivery's event and asOf,
 * or, without them (records written before they were stored, reminders, which describe the
 * episode as it stands when due), the episode folded from its events as before.
 */
async function describe(deps: DeliverDeps, delivery: Delivery, stored: MessageFacts | undefined): Promise<MessageFacts | { facts: EpisodeFacts; changes?: EpisodeChanges; occurredAt: string; receivedAt?: string }> {
  if (stored) return stored;
  const events = await deps.events.eventsOfEpisode(delivery.episodeId);
  const own = events.find((e) => e.uid === delivery.eventUid);
  // A reminder belongs to no event: it describes the episode as it stands when it is due.
  if (!own && delivery.kind !== 'reminder') throw new Error('the event of this delivery is gone');
  const view = own ? deps.fold.asOf(events, delivery.asOf ?? delivery.eventUid) : deps.fold.all(events);
  const changes: EpisodeChanges | undefined = own?.event.type === 'missing.updated' ? own.event : undefined;
  return {
    facts: view.facts,
    ...(changes ? { changes } : {}),
    occurredAt: own?.event.occurredAt ?? delivery.createdAt,
    ...(own ? { receivedAt: own.receivedAt } : {}),
  };
}

/** The message, and when its event was POSTed (for the POST-to-SMTP figure; reminders have none). */
async function render(
  deps: DeliverDeps,
  delivery: Delivery,
  to: SendTo,
  stored: MessageFacts | undefined,
): Promise<{ message: RenderedMessage; receivedAt?: string }> {
  const { facts, changes, occurredAt, receivedAt } = await describe(deps, delivery, stored);
  const ackUrl = delivery.audience === 'direct' && CARRIES_ACK_LINK.has(delivery.kind) ? deps.ackUrlFor(delivery) : undefined;
  const message = renderMessage({
    kind: delivery.kind,
    audience: delivery.audience,
    episode: facts,
    ...(changes ? { changes } : {}),
    organisation: { ...delivery.organisation, name: to.organisationName },
    contact: { name: to.contact.name, role: to.contact.role },
    deliveryId: delivery.deliveryId,
    messageDomain: deps.messageDomain,
    ...(delivery.threadOf ? { threadOf: `${delivery.threadOf}@${deps.messageDomain}` } : {}),
    ...(ackUrl ? { ackUrl } : {}),
    occurredAt,
    // Only facts stored once per event are stable enough to share a render between recipients.
    ...(stored ? { sharedKey: factsKeyOf(delivery) } : {}),
  });
  return receivedAt ? { message, receivedAt } : { message };
}

/** Where the send path's one read finds the episode and the organisation: keys their own stores name. */
function sendTemplates(deps: DeliverDeps): { episode: string; organisation: string } {
  return {
    episode: deps.episodes.keys.episode('<episodeId>'),
    organisation: deps.directory.keys.organisation('<orgType>' as OrganisationType, '<orgId>'),
  };
}

/**
 * Sends one delivery (SPEC §6), only while its record says it has not been sent, as a straight
 * line: one read (the record, the episode's state, the organisation as the directory has it
 * now, the message facts stored at fan-out), the pure decisions, one claim (`sending`, with the
 * recipient checked against the directory in the same step), render, send, one record (`sent`
 * with its figures). A temporary failure is thrown for BullMQ to
 * retry; a permanent one, or the last try, ends `failed` and is not retried.
 */
export async function deliverOne(deps: DeliverDeps, deliveryId: string, attempt: Attempt): Promise<'sent' | 'skipped'> {
  const loaded = await deps.deliveries.loadForSend(deliveryId, sendTemplates(deps));
  const delivery = loaded?.delivery;
  if (!loaded || !delivery || isFinal(delivery.status)) {
    log.info({ deliveryId, status: delivery?.status ?? 'missing' }, 'delivery skipped');
    return 'skipped';
  }
  // Never "still missing" after the child is found: a retried or late alert of a closed episode is superseded.
  if (MISSING_KINDS.has(delivery.kind) && episodeState(loaded.episode) !== 'open') {
    await deps.deliveries.transition(deliveryId, 'superseded', deps.now(), { detail: 'episode closed', from: ['pending', 'retrying'], eventUid: delivery.eventUid });
    log.info({ deliveryId, status: 'superseded' }, 'delivery skipped');
    return 'skipped';
  }
  const recipient = await claimRecipient(deps, delivery, loaded.organisation);
  if (!recipient) return 'skipped';
  const attempts = delivery.attempts + 1;

  let message: RenderedMessage;
  let receivedAt: string | undefined;
  try {
    ({ message, receivedAt } = await render(deps, delivery, recipient, loaded.messageFacts));
  } catch (err) {
    await fail(deps, { ...delivery, attempts }, 'the message could not be rendered');
    log.error({ deliveryId, error: (err as Error).name }, 'delivery could not be rendered');
    throw new UnrecoverableError('render failed');
  }
  return send(deps, delivery, recipient, { message, attempts, attempt, ...(receivedAt ? { receivedAt } : {}) });
}

/** The state of the episode document as its store keeps it; undefined when there is none. */
const episodeState = (json: string | null): EpisodeState | undefined => (json ? (JSON.parse(json) as { state: EpisodeState }).state : undefined);

/**
 * The figures of one outcome ride in the same trip as its record when the metrics can be
 * queued (pipelineMetrics); otherwise they follow it, as separate writes.
 */
async function recordWithFigures<T>(
  deps: DeliverDeps,
  write: (also?: (pipeline: ChainableCommander) => void) => Promise<T>,
  writes: readonly MetricWrite[],
): Promise<T> {
  const metrics = deps.metrics ?? noMetrics;
  if (metrics.queue) return write((pipeline) => metrics.queue!(pipeline, writes));
  const result = await write();
  for (const w of writes) {
    if ('count' in w) await metrics.count(w.count, w.labels, w.by);
    else await metrics.observe(w.observe, w.labels, w.seconds);
  }
  return result;
}

/** How often a send decides again because the directory changed under it, before it leaves it to a later try. */
const MAX_CLAIMS = 3;

type SendTo = Extract<RecipientDecision, { send: true }>;

/**
 * The right person, at send time (SPEC §6, §11): decides from the organisation as the send path
 * read it, then claims the delivery (`sending`) in one step with a check that the directory
 * still has that contact, active, at that address. A change that landed in between makes the
 * claim come back with the organisation as it is now, and the pure decision runs again on it:
 * superseded, or the new address. Undefined when nothing is to be sent.
 */
async function claimRecipient(deps: DeliverDeps, delivery: Delivery, organisationJson: string | null): Promise<SendTo | undefined> {
  const { deliveryId } = delivery;
  let organisation = organisationJson;
  for (let tries = 1; ; tries++) {
    const recipient = resolveRecipient(delivery, organisation ? (JSON.parse(organisation) as Organisation) : undefined);
    if (!recipient.send) {
      await supersede(deps, delivery, recipient);
      return undefined;
    }
    const claimed = await claim(deps, delivery, recipient);
    if (claimed.ok) return recipient;
    if (!('organisation' in claimed)) {
      log.info({ deliveryId, status: claimed.current ?? 'missing' }, 'delivery skipped');
      return undefined;
    }
    log.info({ deliveryId, tries }, 'directory changed before the claim: deciding again');
    // A directory that keeps changing under the send: BullMQ tries again after its backoff.
    if (tries >= MAX_CLAIMS) throw new TemporaryDeliveryError('the directory changed during each claim');
    organisation = claimed.organisation;
  }
}

/** Claims the delivery (`sending`) for this recipient: refused when another attempt holds it, it has moved on, or the directory changed. */
async function claim(deps: DeliverDeps, delivery: Delivery, recipient: SendTo): Promise<ClaimResult> {
  // The record follows the directory, so the dashboard shows where the message went.
  return deps.deliveries.claim(
    delivery.deliveryId,
    deps.now(),
    {
      detail: `attempt ${delivery.attempts + 1}${recipient.changed.includes('email') ? ' (to the address the directory has now)' : ''}`,
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
    },
    {
      organisationKey: deps.directory.keys.organisation(delivery.organisation.type, delivery.organisation.id),
      contactId: recipient.contact.contactId,
      email: recipient.contact.email,
    },
  );
}

type Rendered = { message: RenderedMessage; receivedAt?: string; attempts: number; attempt: Attempt };

/** Hands the message to SMTP and records the outcome: sent, retrying (thrown for BullMQ), or failed for good. */
async function send(
  deps: DeliverDeps,
  delivery: Delivery,
  recipient: SendTo,
  { message, receivedAt, attempts, attempt }: Rendered,
): Promise<'sent'> {
  const { deliveryId } = delivery;
  const counted = { kind: delivery.kind, audience: delivery.audience };
  try {
    const envelopeFrom = deps.envelopeFromFor?.(deliveryId, attempts);
    const result = await deps.transport.send({
      ...(envelopeFrom ? { envelopeFrom } : {}),
      to: recipient.contact.email,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: message.headers,
      messageId: message.messageId,
    });
    const sentAt = deps.now();
    const figures: MetricWrite[] = [{ count: 'endeavor_deliveries_total', labels: { status: 'sent', ...counted } }];
    if (receivedAt) {
      figures.push({ observe: 'endeavor_post_to_smtp_accepted_seconds', labels: { audience: delivery.audience }, seconds: (sentAt.getTime() - Date.parse(receivedAt)) / 1000 });
    }
    await recordWithFigures(
      deps,
      (also) =>
        deps.deliveries.transition(deliveryId, 'sent', sentAt, {
          detail: result.response.slice(0, 200),
          fields: { sentAt: sentAt.toISOString(), lastError: null },
          eventUid: delivery.eventUid,
          ...(deps.waitReplicas ? { waitReplicas: deps.waitReplicas } : {}),
          ...(also ? { also } : {}),
        }),
      figures,
    );
    log.info({ deliveryId, episodeId: delivery.episodeId, kind: delivery.kind, audience: delivery.audience, attempts }, 'delivery sent');
    return 'sent';
  } catch (err) {
    const detail = describeSmtpError(err);
    const lastTry = attempt.attemptsMade + 1 >= attempt.maxAttempts;
    if (classifySmtpError(err) === 'permanent' || lastTry) {
      await fail(deps, { ...delivery, attempts }, detail);
      throw new UnrecoverableError(detail);
    }
    await recordWithFigures(
      deps,
      (also) => deps.deliveries.transition(deliveryId, 'retrying', deps.now(), { detail, fields: { lastError: detail }, eventUid: delivery.eventUid, ...(also ? { also } : {}) }),
      [{ count: 'endeavor_deliveries_total', labels: { status: 'retrying', ...counted } }],
    );
    log.warn({ deliveryId, attempts }, 'delivery will be retried');
    throw new TemporaryDeliveryError(detail);
  }
}

/**
 * SPEC §6: the contact or organisation is no longer active, so nothing is sent. For a direct
 * delivery the MASH team is told once per episode and contact (or organisation), and when the
 * contact left an open episode's alert goes to whoever the organisation lists now. The refill is
 * queued before the record changes and the notice goes in the outbox with it, so a crash between
 * loses neither.
 */
async function supersede(deps: DeliverDeps, delivery: Delivery, decision: Extract<RecipientDecision, { send: false }>): Promise<void> {
  const { deliveryId, episodeId, organisation } = delivery;
  let notice: OutboxNotice | undefined;
  if (delivery.audience === 'direct') {
    const occasion = contactLeft(decision.reason) ? `${organisation.type}-${organisation.id}-${delivery.contact.contactId}` : `${organisation.type}-${organisation.id}`;
    notice = { job: { notice: 'superseded', deliveryId }, jobId: `ns-${episodeId}-${occasion}` };
    if (contactLeft(decision.reason) && MISSING_KINDS.has(delivery.kind)) {
      await deps.fanout.add('refill', { refill: { episodeId, orgType: organisation.type, orgId: organisation.id } }, jobOptions.refill(`refill-${deliveryId}`));
    }
  }
  const recorded = await deps.deliveries.transition(deliveryId, 'superseded', deps.now(), {
    detail: decision.detail,
    // `sending` too: a crashed attempt comes back in it.
    from: ['pending', 'retrying', 'sending'],
    eventUid: delivery.eventUid,
    // The MASH notice goes in the notice outbox with the change (see fail).
    ...(notice ? { notice } : {}),
  });
  if (notice && recorded.ok) await queueOutboxNotice(deps.notify, deps.deliveries, notice);
  log.info({ deliveryId, episodeId, reason: decision.reason }, 'delivery superseded at send time');
}

async function fail(deps: DeliverDeps, delivery: Delivery, detail: string): Promise<void> {
  // SPEC §5: the failure notice goes in the notice outbox in the same script as `failed`, so the
  // record says failed before the notice is queued, and a crash between cannot lose it.
  const notice: OutboxNotice | undefined =
    delivery.audience === 'direct' ? { job: { notice: 'failure', deliveryId: delivery.deliveryId }, jobId: `nf-${delivery.deliveryId}-${delivery.attempts}` } : undefined;
  const recorded = await recordWithFigures(
    deps,
    (also) =>
      deps.deliveries.transition(delivery.deliveryId, 'failed', deps.now(), {
        detail,
        fields: { lastError: detail },
        eventUid: delivery.eventUid,
        ...(also ? { also } : {}),
        ...(notice ? { notice } : {}),
      }),
    [{ count: 'endeavor_deliveries_total', labels: { status: 'failed', kind: delivery.kind, audience: delivery.audience } }],
  );
  if (notice && recorded.ok) await queueOutboxNotice(deps.notify, deps.deliveries, notice);
  log.warn({ deliveryId: delivery.deliveryId, episodeId: delivery.episodeId, attempts: delivery.attempts }, 'delivery failed');
}
