import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/delivery/delivery.store';
import type { DeliveryStatus } from '../../../src/delivery/delivery-status';
import type { EpisodeRecord, RecipientEntry } from '../../../src/episodes/episode.store';
import { deliveryIdOf } from '../../../src/episodes/new-delivery';
import { planReminder } from '../../../src/episodes/plan-reminder';

/* Fictional data only: .test emails, 99xxxx URNs, fixed instants. */

const NOW = new Date('2025-03-11T09:30:00.000Z');
const DUE = new Date('2025-03-11T09:00:00.000Z');

const episode: EpisodeRecord = {
  episodeId: 'ep_fictional_0003',
  feedId: 'feed-fictional',
  policeReference: 'NP-FICT-0003',
  reported: true,
  state: 'open',
  risk: 'high',
  openedAt: '2025-03-10T09:00:00Z',
  closedAt: undefined,
  foundAt: undefined,
  returnInterviewDueAt: undefined,
  facts: { policeReference: 'NP-FICT-0003', risk: 'high', child: {} },
  schoolUrn: '990001',
  gpOdsCode: undefined,
  postcodeDistrict: 'NE61',
  locality: 'Morpeth',
  unroutable: [],
  inactive: [],
  updatedAt: '2025-03-10T09:00:01.000Z',
  alertedAt: '2025-03-10T09:00:01.000Z',
};

const entry = (contactId: string, audience: 'direct' | 'area', orgId = '990001'): RecipientEntry => ({
  orgType: 'school',
  orgId,
  contactId,
  audience,
  threadRoot: `root-${contactId}`,
});
const root = (e: RecipientEntry, status: DeliveryStatus): [string, Pick<Delivery, 'status' | 'eventId' | 'organisation' | 'contact'>] => [
  e.threadRoot,
  {
    status,
    eventId: 'rep-from-root',
    organisation: { type: e.orgType, id: e.orgId, name: `Fictional school ${e.orgId}` },
    contact: { contactId: e.contactId, name: `Fictional Person ${e.contactId}`, email: `${e.contactId}@example.endeavor.test`, role: 'dsl' },
  },
];

const sentDirect = entry('a', 'direct');
const pendingDirect = entry('b', 'direct');
const failedDirect = entry('c', 'direct');
const sentArea = entry('d', 'area', '990002');
const recipients = [sentDirect, pendingDirect, failedDirect, sentArea];
const roots = new Map([root(sentDirect, 'sent'), root(pendingDirect, 'pending'), root(failedDirect, 'failed'), root(sentArea, 'sent')]);

const plan = (overrides: Partial<Parameters<typeof planReminder>[0]> = {}) =>
  planReminder({ episode, due: DUE, report: { eventId: 'rep-1' }, recipients, roots, now: NOW, ...overrides });

describe('planReminder', () => {
  it('reminds only the direct recipients whose alert was sent, threaded to that alert', () => {
    const { deliveries } = plan();
    expect(deliveries.map((d) => d.contact.contactId)).toEqual(['a']);
    expect(deliveries[0]).toMatchObject({
      kind: 'reminder',
      audience: 'direct',
      status: 'pending',
      threadOf: 'root-a',
      ackable: false,
      asOf: null,
      eventId: 'rep-1',
      episodeId: episode.episodeId,
      risk: 'high',
    });
  });

  it('numbers reminders per episode and derives the delivery id from that number and the contact', () => {
    const first = plan();
    const second = plan({ episode: first.episode });
    expect([first.n, second.n]).toEqual([1, 2]);
    expect(first.deliveries[0]!.eventUid).toBe(`rem-${episode.episodeId}-1`);
    expect(first.deliveries[0]!.deliveryId).toBe(deliveryIdOf(`rem-${episode.episodeId}-1`, sentDirect));
    expect(plan().deliveries[0]!.deliveryId).toBe(first.deliveries[0]!.deliveryId);
    expect(second.deliveries[0]!.deliveryId).not.toBe(first.deliveries[0]!.deliveryId);
  });

  it('counts the next reminder from when this one fell due, not from when it ran', () => {
    expect(plan().episode).toMatchObject({ remindersSent: 1, lastReminderAt: DUE.toISOString(), updatedAt: NOW.toISOString(), alertedAt: episode.alertedAt });
  });

  it('carries the eventId of the alert it follows when the report itself is no longer there', () => {
    expect(plan({ report: undefined }).deliveries[0]!.eventId).toBe('rep-from-root');
  });
});
