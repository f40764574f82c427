import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../platform/redis';
import type { DeliveryStore } from '../delivery/delivery.store';
import type { EpisodeStore } from '../episodes/episode.store';
import { enqueueNotice } from '../delivery/notice.queue';
import { shownReference } from '../delivery/subject';
import { moduleLogger } from '../platform/logger';
import { noMetrics, type PipelineMetrics } from '../platform/metrics';
import type { NotifyJob } from '../platform/queues';
import { takeWindowToken } from '../platform/rate-limit';
import { verifyAckToken } from './ack-token';

const log = moduleLogger('ack');

export type AckDeps = {
  /** Rate-limit counters (SPEC §7), shared by every API process. */
  redis: RedisClient;
  prefix: string;
  deliveries: DeliveryStore;
  episodes: EpisodeStore;
  notify: Queue<NotifyJob>;
  secret: string;
  now: () => Date;
  /** SPEC §12: acknowledgements and the time from sending to acknowledgement. */
  metrics?: PipelineMetrics;
};

/** What the acknowledgement page may show: the reference and the organisation, never the child. */
export type AckView = {
  deliveryId: string;
  /** As subjects show it: withheld when it holds any part of the child's name (SPEC §7: anyone with the link sees the page). */
  policeReference: string;
  organisationName: string;
  acknowledgedAt: string | null;
  /** When the recipient's answer was received; it is accepted once. */
  answeredAt: string | null;
  csrfToken: string;
};

export type AckLookup = { ok: true; view: AckView } | { ok: false; status: 404 | 410 };

/** The form's CSRF token: derived from the link's own token, so only a holder of the link can post. */
export const csrfTokenFor = (secret: string, token: string) => createHmac('sha256', secret).update(`ack-csrf\n${token}`).digest('base64url');

function csrfMatches(secret: string, token: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(secret, token));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Reads the delivery behind a link. Changes nothing: mail scanners open links too. */
export async function lookupAck(deps: AckDeps, token: string): Promise<AckLookup> {
  const check = verifyAckToken(deps.secret, token, deps.now());
  if (!check.ok) return { ok: false, status: check.reason === 'expired' ? 410 : 404 };
  const delivery = await deps.deliveries.get(check.deliveryId);
  if (!delivery) return { ok: false, status: 404 };
  const episode = await deps.episodes.get(delivery.episodeId);
  return {
    ok: true,
    view: {
      deliveryId: delivery.deliveryId,
      policeReference: shownReference(episode?.policeReference ?? '', episode?.facts.child),
      organisationName: delivery.organisation.name,
      acknowledgedAt: delivery.acknowledgedAt,
      answeredAt: delivery.answeredAt,
      csrfToken: csrfTokenFor(deps.secret, token),
    },
  };
}

export type AckAnswer = { inSchoolToday?: boolean; note?: string };
/** `kept`: this post's answer was kept and sent on; `already`: an earlier answer stands, nothing changed or sent. */
export type AckResult = { ok: true; view: AckView; answer: 'kept' | 'already' | 'none' } | { ok: false; status: 403 | 404 | 410 };

/** Posts to acknowledgement links (SPEC §7): per link (delivery) and per client address. */
export const ACK_POST_LIMITS = {
  perLink: { limit: 10, windowSeconds: 3600 },
  perAddress: { limit: 60, windowSeconds: 600 },
} as const;

/**
 * Counts one post to an acknowledgement link, per client address and, when the link is
 * genuine, per delivery. Returns the seconds to wait when over either limit, else 0.
 */
export async function ackPostRetryAfter(deps: AckDeps, token: string, clientAddress: string): Promise<number> {
  const nowMs = deps.now().getTime();
  const byAddress = await takeWindowToken(deps.redis, deps.prefix, 'ack-post-address', clientAddress, ACK_POST_LIMITS.perAddress, nowMs);
  const check = verifyAckToken(deps.secret, token, deps.now());
  const byLink = check.ok ? await takeWindowToken(deps.redis, deps.prefix, 'ack-post-link', check.deliveryId, ACK_POST_LIMITS.perLink, nowMs) : 0;
  return Math.max(byAddress, byLink);
}

/**
 * Records receipt once (SPEC §7): again is harmless, and so is after an escalation. A
 * follow-up's receipt also confirms the alert it threads to. An answer ("in school today",
 * a note for police) is kept on the delivery, once, and sent to the police contact at a police
 * domain, else to the MASH team (notices.ts).
 */
export async function confirmAck(deps: AckDeps, token: string, form: { csrf?: unknown } & AckAnswer): Promise<AckResult> {
  const found = await lookupAck(deps, token);
  if (!found.ok) return found;
  if (!csrfMatches(deps.secret, token, form.csrf)) return { ok: false, status: 403 };
  const now = deps.now();
  const { deliveryId } = found.view;
  const result = await deps.deliveries.acknowledge(deliveryId, now, 'receipt confirmed by the recipient');
  const delivery = await deps.deliveries.get(deliveryId);
  if (result.outcome === 'ok' && delivery) {
    const metrics = deps.metrics ?? noMetrics;
    await metrics.count('endeavor_acknowledgements_total', { audience: delivery.audience });
    if (delivery.sentAt) await metrics.observe('endeavor_sent_to_acknowledged_seconds', {}, (now.getTime() - Date.parse(delivery.sentAt)) / 1000);
  }
  if (delivery?.threadOf && delivery.threadOf !== deliveryId) {
    await deps.deliveries.acknowledge(delivery.threadOf, now, 'receipt confirmed on a later message of the thread');
  }
  const answer: AckAnswer = {
    ...(form.inSchoolToday ? { inSchoolToday: true } : {}),
    ...(form.note ? { note: form.note } : {}),
  };
  let answered: 'kept' | 'already' | 'none' = 'none';
  if (answer.inSchoolToday !== undefined || answer.note) {
    // Once per delivery: a second answer neither replaces the first nor mails anyone again.
    if (await deps.deliveries.recordAckAnswer(deliveryId, answer, now)) {
      answered = 'kept';
      await enqueueNotice(deps.notify, { notice: 'ack-answer', deliveryId }, `na-${deliveryId}`);
    } else {
      answered = 'already';
    }
  }
  log.info({ deliveryId, first: result.outcome === 'ok', answer: answered }, 'receipt confirmed');
  return { ok: true, answer: answered, view: { ...found.view, acknowledgedAt: result.acknowledgedAt ?? now.toISOString() } };
}
