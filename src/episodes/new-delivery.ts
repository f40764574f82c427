import { createHash } from 'node:crypto';
import type { NewDelivery } from '../delivery/delivery.store';
import { deliveryPriority } from '../delivery/delivery-policy';
import type { MessageKind } from '../domain/audience';
import type { Risk } from '../domain/risk';
import { recipientKey, type RecipientEntry } from './episode.store';

/** Deterministic: the same event and contact always give the same delivery id, so fan-out can run twice. */
export const deliveryIdOf = (eventUid: string, r: { orgType: string; orgId: string; contactId: string }) =>
  `dl_${createHash('sha256').update(`${eventUid}\n${recipientKey(r as RecipientEntry)}`).digest('hex').slice(0, 24)}`;

/** What a new delivery is: the message of one event (or reminder) to one contact. */
export type DeliveryFacts = Pick<NewDelivery, 'kind' | 'audience' | 'organisation' | 'contact' | 'status' | 'threadOf' | 'asOf' | 'ackable'> & {
  /** The event it carries: for a reminder, its own uid and the report's eventId. */
  event: { uid: string; eventId: string; episodeId: string; feedId: string };
  kind: MessageKind;
  risk: Risk;
};

/**
 * The one way a delivery record is made (fan-out, reminders, refills): its id derived from the
 * event and the contact, its send priority from audience and risk (SPEC §6).
 */
export function newDelivery(facts: DeliveryFacts): NewDelivery {
  const { event, organisation, contact } = facts;
  return {
    deliveryId: deliveryIdOf(event.uid, { orgType: organisation.type, orgId: organisation.id, contactId: contact.contactId }),
    eventUid: event.uid,
    eventId: event.eventId,
    episodeId: event.episodeId,
    feedId: event.feedId,
    kind: facts.kind,
    audience: facts.audience,
    organisation: { type: organisation.type, id: organisation.id, name: organisation.name },
    contact: { contactId: contact.contactId, name: contact.name, email: contact.email, role: contact.role },
    status: facts.status,
    threadOf: facts.threadOf,
    asOf: facts.asOf,
    ackable: facts.ackable,
    risk: facts.risk,
    priority: deliveryPriority(facts.audience, facts.risk),
  };
}
