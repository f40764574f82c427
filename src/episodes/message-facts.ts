import type { NewDelivery } from '../delivery/delivery.store';
import type { EpisodeChanges, MessageFacts } from '../delivery/message-types';
import type { StoredEvent } from '../intake/event.store';
import { episodeAsOf } from './episode';

/**
 * What one event's messages describe, per asOf its pending deliveries name (SPEC §5): the
 * episode folded up to that event, an update's changes and the event's times. Kept once at
 * fan-out (and refill), so each send renders them without reading and folding the episode.
 * Pure: the caller stores the result before it writes the deliveries.
 */
export function messageFactsOf(events: readonly StoredEvent[], own: StoredEvent, deliveries: readonly NewDelivery[]): Map<string, MessageFacts> {
  const out = new Map<string, MessageFacts>();
  const changes: EpisodeChanges | undefined =
    own.event.type === 'missing.updated'
      ? {
          ...(own.event.risk !== undefined ? { risk: own.event.risk } : {}),
          ...(own.event.lastSeen !== undefined ? { lastSeen: own.event.lastSeen } : {}),
          ...(own.event.concerns !== undefined ? { concerns: own.event.concerns } : {}),
          ...(own.event.child !== undefined ? { child: own.event.child } : {}),
          ...(own.event.note !== undefined ? { note: own.event.note } : {}),
        }
      : undefined;
  for (const delivery of deliveries) {
    if (delivery.status !== 'pending' || delivery.eventUid !== own.uid) continue;
    const asOf = delivery.asOf ?? own.uid;
    if (out.has(asOf)) continue;
    out.set(asOf, {
      facts: episodeAsOf(events, asOf).facts,
      ...(changes ? { changes } : {}),
      occurredAt: own.event.occurredAt,
      receivedAt: own.receivedAt,
    });
  }
  return out;
}
