import type { DeliveryWithHistory } from './delivery.store';

/** A delivery as the tracking API shows it (SPEC §6). */
export function deliveryJson(d: DeliveryWithHistory) {
  return {
    deliveryId: d.deliveryId,
    eventId: d.eventId,
    episodeId: d.episodeId,
    kind: d.kind,
    audience: d.audience,
    organisation: d.organisation,
    contact: { name: d.contact.name, email: d.contact.email, role: d.contact.role },
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    sentAt: d.sentAt,
    acknowledgedAt: d.acknowledgedAt,
    escalatedAt: d.escalatedAt,
    acknowledgement: d.acknowledgement,
    history: d.history,
  };
}
