import { describe, expect, it } from 'vitest';
import { localityOfDistrict } from '../../../config/localities';
import type { DeliveryStatus } from '../../../src/delivery/delivery-status';
import type { MessageKind } from '../../../src/domain/audience';
import type { Organisation } from '../../../src/directory/organisation';
import { foldEpisode, latestEvent } from '../../../src/episodes/episode';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import { planEventFanout, type EventFanoutInput } from '../../../src/episodes/plan-fanout';
import type { DirectoryView } from '../../../src/directory/organisation';
import type { MissingEvent } from '../../../src/intake/event.schema';
import type { StoredEvent } from '../../../src/intake/event.store';

/* Fictional data only: .test emails, 99xxxx URNs, Y9xxxx ODS codes, fixed instants. */

const EPISODE = 'ep_fictional_0002';
const REF = 'NP-FICT-0002';
const NOW = new Date('2025-03-10T12:00:05.000Z');

const school: Organisation = {
  type: 'school',
  id: '990001',
  name: 'Fictional school 990001',
  locality: 'Morpeth',
  postcode: undefined,
  active: true,
  receivesAreaAlerts: true,
  contacts: [{ contactId: '990001-a', name: 'Fictional Person A', email: '990001-a@example.endeavor.test', role: 'dsl', active: true }],
  updatedAt: '2025-01-01T00:00:00.000Z',
};
const directory: DirectoryView = { get: (type, id) => (type === school.type && id === school.id ? school : undefined), inLocality: () => [school] };

const stored = (uid: string, event: MissingEvent): StoredEvent => ({
  uid,
  feedId: 'feed-fictional',
  eventId: event.eventId,
  episodeId: EPISODE,
  type: event.type,
  receivedAt: '2025-03-10T12:00:00.000Z',
  state: 'accepted',
  event,
});
const REPORT = stored('uid-rep', {
  eventId: 'rep',
  type: 'missing.reported',
  occurredAt: '2025-03-10T09:00:00Z',
  policeReference: REF,
  child: { givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14', schoolUrn: '990001', postcodeDistrict: 'NE61', lookedAfter: false },
  risk: 'high',
  missingFrom: 'home',
  lastSeen: { at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' },
  contact: { name: 'PC Example Officer', phone: '101' },
});
const UPDATE = stored('uid-upd', { eventId: 'upd', type: 'missing.updated', occurredAt: '2025-03-10T10:00:00Z', policeReference: REF, note: 'Seen (fictional).' });
const FOUND = stored('uid-fnd', { eventId: 'fnd', type: 'missing.found', occurredAt: '2025-03-10T11:00:00Z', policeReference: REF, foundAt: '2025-03-10T10:45:00Z' });
const CANCELLED = stored('uid-can', { eventId: 'can', type: 'missing.cancelled', occurredAt: '2025-03-10T11:30:00Z', policeReference: REF });

const existing = (deliveryId: string, eventUid: string, kind: MessageKind, status: DeliveryStatus) => ({
  deliveryId,
  eventUid,
  kind,
  status,
  priority: 1,
  organisation: { type: school.type, id: school.id, name: school.name },
  contact: school.contacts[0]!,
});

function decide(event: StoredEvent, events: StoredEvent[], overrides: Partial<EventFanoutInput> = {}) {
  return planEventFanout({
    stored: event,
    view: foldEpisode(events),
    latestUid: latestEvent(events)!.uid,
    previous: undefined,
    recipients: [],
    existing: [],
    directory,
    localityOfDistrict,
    now: NOW,
    ...overrides,
  });
}

/** The record a first fan-out of the report leaves behind. */
const afterReport = (): EpisodeRecord => decide(REPORT, [REPORT]).episode;

describe('planEventFanout: the next episode record', () => {
  it('starts the reminder clock when the report is fanned out while the episode is open', () => {
    const { episode } = decide(REPORT, [REPORT]);
    expect(episode).toMatchObject({ episodeId: EPISODE, state: 'open', locality: 'Morpeth', alertedAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
    expect(episode.closedBy).toBeUndefined();
  });

  it('never moves the reminder clock once started, and keeps the reminders already sent', () => {
    const previous = { ...afterReport(), alertedAt: '2025-03-10T09:00:01.000Z', remindersSent: 2, lastReminderAt: '2025-03-10T11:00:00.000Z' };
    const { episode } = decide(UPDATE, [REPORT, UPDATE], { previous });
    expect(episode).toMatchObject({ alertedAt: '2025-03-10T09:00:01.000Z', remindersSent: 2, lastReminderAt: '2025-03-10T11:00:00.000Z' });
  });

  it('starts no reminder clock for a report that arrives after its episode closed', () => {
    const { episode, deliveries } = decide(REPORT, [FOUND, REPORT]);
    expect(episode.alertedAt).toBeUndefined();
    expect(deliveries.every((d) => d.status === 'superseded')).toBe(true);
  });

  it('records which close was announced: the first found or cancelled fanned out after the report', () => {
    expect(decide(FOUND, [REPORT, FOUND], { previous: afterReport() }).episode.closedBy).toBe('uid-fnd');
  });

  it('keeps the first close: a later cancellation does not replace it', () => {
    const previous = { ...afterReport(), closedBy: 'uid-fnd' };
    const decision = decide(CANCELLED, [REPORT, FOUND, CANCELLED], { previous });
    expect(decision.episode.closedBy).toBe('uid-fnd');
    expect(decision.deliveries).toEqual([]);
  });

  it('does not call a close announced before there was a report to close', () => {
    expect(decide(FOUND, [FOUND]).episode.closedBy).toBeUndefined();
  });

  it('adds organisations newly found unroutable to those recorded, once each', () => {
    const withGp = stored('uid-upd-gp', { eventId: 'upd-gp', type: 'missing.updated', occurredAt: '2025-03-10T10:30:00Z', policeReference: REF, child: { gpOdsCode: 'Y90077' } });
    const recorded = [{ type: 'gp' as const, id: 'Y90088' }];
    expect(decide(withGp, [REPORT, withGp], { previous: { ...afterReport(), unroutable: recorded } }).episode.unroutable).toEqual([
      { type: 'gp', id: 'Y90088' },
      { type: 'gp', id: 'Y90077' },
    ]);
    const again = [...recorded, { type: 'gp' as const, id: 'Y90077' }];
    expect(decide(withGp, [REPORT, withGp], { previous: { ...afterReport(), unroutable: again } }).episode.unroutable).toEqual(again);
  });
});

describe('planEventFanout: what else it applies', () => {
  const deliveries = [
    existing('dl-alert-pending', 'uid-rep', 'alert', 'pending'),
    existing('dl-alert-retrying', 'uid-rep', 'alert', 'retrying'),
    existing('dl-alert-sent', 'uid-rep', 'alert', 'sent'),
    existing('dl-update-pending', 'uid-upd', 'update', 'pending'),
    existing('dl-reminder-pending', 'rem-ep-1', 'reminder', 'pending'),
    existing('dl-found-pending', 'uid-fnd', 'found', 'pending'),
  ];

  it('has a close supersede every alert, update and reminder not yet sent, and nothing else', () => {
    const { supersede } = decide(FOUND, [REPORT, FOUND], { previous: afterReport(), existing: deliveries });
    expect(supersede.map((d) => d.deliveryId)).toEqual(['dl-alert-pending', 'dl-alert-retrying', 'dl-update-pending', 'dl-reminder-pending']);
  });

  it('supersedes nothing for a report or an update', () => {
    expect(decide(UPDATE, [REPORT, UPDATE], { previous: afterReport(), existing: deliveries }).supersede).toEqual([]);
  });

  it('queues again only this event’s deliveries still pending: a run that died while queuing left them', () => {
    const { requeue } = decide(REPORT, [REPORT], { existing: deliveries });
    expect(requeue).toEqual([{ deliveryId: 'dl-alert-pending', priority: 1 }]);
  });
});
