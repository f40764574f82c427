import type { ContactRole } from '../directory/organisation';
import type { Audience, MessageKind } from '../domain/audience';
import type { OrganisationType } from '../domain/organisation-ref';
import type { Risk } from '../domain/risk';
import type { DeliveryStatus } from './delivery-status';

/* The delivery record (SPEC §6) and how it is laid out in its Redis hash. */

export type HistoryEntry = {
  at: string;
  status: DeliveryStatus | 'acknowledged' | 'escalated' | 'retry-requested' | 'notice' | 'delivery-report';
  detail: string;
};

/** One delivery: one message of one event to one contact (SPEC §6). */
export type Delivery = {
  deliveryId: string;
  eventUid: string;
  eventId: string;
  episodeId: string;
  feedId: string;
  kind: MessageKind;
  audience: Audience;
  organisation: { type: OrganisationType; id: string; name: string };
  contact: { contactId: string; name: string; email: string; role: ContactRole };
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  /** Delivery id of the first message to this contact in the episode; follow-ups thread to it. */
  threadOf: string | null;
  /**
   * The event up to which the message describes the episode; null = its own event. An alert
   * fanned out after later events were stored (they came first, or waited in the queue) carries them.
   */
  asOf: string | null;
  /** The first direct message to a contact: escalated if not acknowledged in time. */
  ackable: boolean;
  /** What the recipient said on acknowledging. */
  acknowledgement: { inSchoolToday: boolean | null; note: string | null };
  /** When that answer was received: it is accepted once (SPEC §7). */
  answeredAt: string | null;
  risk: Risk;
  priority: number;
};

export type NewDelivery = Omit<
  Delivery,
  'status' | 'attempts' | 'lastError' | 'createdAt' | 'updatedAt' | 'sentAt' | 'acknowledgedAt' | 'escalatedAt' | 'acknowledgement' | 'answeredAt'
> & {
  status: 'pending' | 'superseded';
};

/** A record as Redis holds it: one flat hash of strings. */
export const toHash = (d: NewDelivery, now: Date): Record<string, string> => ({
  deliveryId: d.deliveryId,
  eventUid: d.eventUid,
  eventId: d.eventId,
  episodeId: d.episodeId,
  feedId: d.feedId,
  kind: d.kind,
  audience: d.audience,
  orgType: d.organisation.type,
  orgId: d.organisation.id,
  orgName: d.organisation.name,
  contactId: d.contact.contactId,
  contactName: d.contact.name,
  contactEmail: d.contact.email,
  contactRole: d.contact.role,
  status: d.status,
  attempts: '0',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  ...(d.threadOf ? { threadOf: d.threadOf } : {}),
  ...(d.asOf ? { asOf: d.asOf } : {}),
  ackable: d.ackable ? '1' : '0',
  risk: d.risk,
  priority: String(d.priority),
});

export const fromHash = (h: Record<string, string>, history?: string[]): (Delivery & { history?: HistoryEntry[] }) | undefined =>
  h.deliveryId
    ? {
        deliveryId: h.deliveryId,
        eventUid: h.eventUid!,
        eventId: h.eventId!,
        episodeId: h.episodeId!,
        feedId: h.feedId!,
        kind: h.kind as MessageKind,
        audience: h.audience as Audience,
        organisation: { type: h.orgType as OrganisationType, id: h.orgId!, name: h.orgName! },
        contact: { contactId: h.contactId!, name: h.contactName!, email: h.contactEmail!, role: h.contactRole as ContactRole },
        status: h.status as DeliveryStatus,
        attempts: Number(h.attempts ?? 0),
        lastError: h.lastError ?? null,
        createdAt: h.createdAt!,
        updatedAt: h.updatedAt!,
        sentAt: h.sentAt ?? null,
        acknowledgedAt: h.acknowledgedAt ?? null,
        escalatedAt: h.escalatedAt ?? null,
        threadOf: h.threadOf ?? null,
        asOf: h.asOf ?? null,
        ackable: h.ackable === '1',
        acknowledgement: { inSchoolToday: h.ackInSchoolToday ? h.ackInSchoolToday === 'yes' : null, note: h.ackNote ?? null },
        answeredAt: h.ackAnsweredAt ?? null,
        risk: h.risk as Risk,
        priority: Number(h.priority ?? 5),
        ...(history ? { history: history.map((j) => JSON.parse(j) as HistoryEntry) } : {}),
      }
    : undefined;

export type DeliveryWithHistory = Delivery & { history: HistoryEntry[] };
