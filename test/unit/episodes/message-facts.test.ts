import { describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { episodeAsOf } from '../../../src/episodes/episode';
import { messageFactsOf } from '../../../src/episodes/message-facts';
import { newDelivery } from '../../../src/episodes/new-delivery';
import type { MissingEvent, ReportedEvent, UpdatedEvent } from '../../../src/intake/event.schema';
import type { StoredEvent } from '../../../src/intake/event.store';

/* Fictional data only; every instant is fixed. */

const REF = 'NP-FICT-0002';
const stored = (event: MissingEvent): StoredEvent => ({
  uid: `uid-${event.eventId}`,
  feedId: 'feed-fictional',
  eventId: event.eventId,
  episodeId: 'ep_fictional_0002',
  type: event.type,
  receivedAt: '2025-03-10T12:00:00Z',
  state: 'accepted',
  event,
});
const report: ReportedEvent = {
  eventId: 'rep-1',
  type: 'missing.reported',
  occurredAt: '2025-03-10T09:00:00Z',
  policeReference: REF,
  child: { givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14', lookedAfter: false, schoolUrn: '990001', description: 'Green coat (fictional).' },
  risk: 'medium',
  missingFrom: 'home',
  lastSeen: { at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' },
  contact: { name: 'PC Example Officer', phone: '101' },
};
const update: UpdatedEvent = { eventId: 'upd-1', type: 'missing.updated', occurredAt: '2025-03-10T10:00:00Z', policeReference: REF, risk: 'high', note: 'Seen at the station (fictional).' };
const events = [stored(report), stored(update)];

const deliveryOf = (own: StoredEvent, contactId: string, over: { status?: 'pending' | 'superseded'; asOf?: string | null } = {}): NewDelivery =>
  newDelivery({
    event: { uid: own.uid, eventId: own.eventId, episodeId: own.episodeId, feedId: own.feedId },
    kind: own.type === 'missing.reported' ? 'alert' : 'update',
    audience: 'direct',
    organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
    contact: { contactId, name: `Contact ${contactId}`, email: `${contactId}@school.endeavor.test`, role: 'dsl' },
    status: over.status ?? 'pending',
    threadOf: null,
    asOf: over.asOf ?? null,
    ackable: true,
    risk: 'medium',
  });

describe('messageFactsOf', () => {
  it('keeps one entry per asOf of the event’s pending deliveries, folded as of it, with the event’s times', () => {
    const own = events[0]!;
    const facts = messageFactsOf(events, own, [deliveryOf(own, 'c1'), deliveryOf(own, 'c2'), deliveryOf(own, 'c3', { asOf: events[1]!.uid })]);
    expect([...facts.keys()].sort()).toEqual([own.uid, events[1]!.uid].sort());
    expect(facts.get(own.uid)).toEqual({ facts: episodeAsOf(events, own.uid).facts, occurredAt: report.occurredAt, receivedAt: own.receivedAt });
    // An alert fanned out after the update describes the episode with it.
    expect(facts.get(events[1]!.uid)!.facts.risk).toBe('high');
    expect(facts.get(own.uid)!.facts.risk).toBe('medium');
  });

  it('keeps an update’s changes, and nothing for deliveries recorded superseded', () => {
    const own = events[1]!;
    expect(messageFactsOf(events, own, [deliveryOf(own, 'c1')]).get(own.uid)).toEqual({
      facts: episodeAsOf(events, own.uid).facts,
      changes: { risk: 'high', note: 'Seen at the station (fictional).' },
      occurredAt: update.occurredAt,
      receivedAt: own.receivedAt,
    });
    expect(messageFactsOf(events, own, [deliveryOf(own, 'c1', { status: 'superseded' })]).size).toBe(0);
  });
});
