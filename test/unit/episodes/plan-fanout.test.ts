import { describe, expect, it } from 'vitest';
import { localityOfDistrict } from '../../../config/localities';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import type { DeliveryStatus } from '../../../src/delivery/delivery-status';
import type { Contact, DirectoryView, Organisation } from '../../../src/directory/organisation';
import { foldEpisode, latestEvent } from '../../../src/episodes/episode';
import { deliveryIdOf, planFanout, type FanoutInput, type FanoutPlan } from '../../../src/episodes/plan-fanout';
import type { MissingEvent, ReportedEvent, UpdatedEvent } from '../../../src/intake/event.schema';
import type { StoredEvent } from '../../../src/intake/event.store';
import type { Risk } from '../../../src/domain/risk';
import type { OrganisationType } from '../../../src/domain/organisation-ref';

/* Fictional data only: .test emails, 99xxxx URNs, Y9xxxx ODS codes, fixed instants. */

const FEED = 'feed-fictional';
const EPISODE = 'ep_fictional_0001';
const REF = 'NP-FICT-0001';

const contact = (contactId: string, overrides: Partial<Contact> = {}): Contact => ({
  contactId,
  name: `Fictional Person ${contactId}`,
  email: `${contactId}@example.endeavor.test`,
  role: 'dsl',
  active: true,
  ...overrides,
});

const organisation = (type: OrganisationType, id: string, overrides: Partial<Organisation> = {}): Organisation => ({
  type,
  id,
  name: `Fictional ${type} ${id}`,
  locality: 'Morpeth',
  postcode: undefined,
  active: true,
  receivesAreaAlerts: true,
  contacts: [contact(`${id.toLowerCase()}-a`)],
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

/** An in-memory DirectoryView over a fixed list. */
function directoryOf(organisations: readonly Organisation[]): DirectoryView {
  return {
    get: (type, id) => organisations.find((o) => o.type === type && o.id === id),
    inLocality: (locality) => organisations.filter((o) => o.locality === locality),
  };
}

// The child's own school (two contacts) and GP practice, in Morpeth (NE61).
const ownSchool = organisation('school', '990001', { contacts: [contact('990001-a'), contact('990001-b', { role: 'deputy' })] });
const ownGp = organisation('gp', 'Y90001', { contacts: [contact('y90001-a', { role: 'practice_manager' })] });
// Other Morpeth organisations that take area alerts.
const areaSchool = organisation('school', '990002');
const areaGp = organisation('gp', 'Y90002');
// Morpeth organisations that must get nothing.
const optedOut = organisation('school', '990005', { receivesAreaAlerts: false });
const closedSchool = organisation('school', '990006', { active: false });
// Outside the locality: reached only as a new direct school.
const hexhamSchool = organisation('school', '990003', { locality: 'Hexham', contacts: [contact('990003-a'), contact('990003-b')] });
const inactiveGp = organisation('gp', 'Y90009', { active: false });

const DIRECTORY = directoryOf([ownSchool, ownGp, areaSchool, areaGp, optedOut, closedSchool, hexhamSchool, inactiveGp]);

function stored(uid: string, event: MissingEvent, receivedAt = '2025-03-10T12:00:00.000Z'): StoredEvent {
  return { uid, feedId: FEED, eventId: event.eventId, episodeId: EPISODE, type: event.type, receivedAt, state: 'accepted', event };
}

function reportEvent(overrides: Partial<ReportedEvent> = {}, childOverrides: Partial<ReportedEvent['child']> = {}): ReportedEvent {
  return {
    eventId: 'rep-1',
    type: 'missing.reported',
    occurredAt: '2025-03-10T09:00:00Z',
    policeReference: REF,
    child: {
      givenName: 'Testchild',
      familyName: 'Fictional',
      dateOfBirth: '2013-05-14',
      schoolUrn: '990001',
      gpOdsCode: 'Y90001',
      postcodeDistrict: 'NE61',
      lookedAfter: false,
      ...childOverrides,
    },
    risk: 'high',
    missingFrom: 'home',
    lastSeen: { at: '2025-03-10T08:00:00Z', area: 'Morpeth town centre' },
    contact: { name: 'PC Example Officer', phone: '101' },
    ...overrides,
  };
}

const updateEvent = (fields: Omit<Partial<UpdatedEvent>, 'type'> = {}): UpdatedEvent => ({
  eventId: 'upd-1',
  type: 'missing.updated',
  occurredAt: '2025-03-10T10:00:00Z',
  policeReference: REF,
  ...fields,
});

const REPORT = stored('uid-rep-1', reportEvent());
const UPDATE = stored('uid-upd-1', updateEvent({ note: 'Sighting near the river (fictional).' }));
const FOUND = stored('uid-fnd-1', {
  eventId: 'fnd-1',
  type: 'missing.found',
  occurredAt: '2025-03-10T11:00:00Z',
  policeReference: REF,
  foundAt: '2025-03-10T10:45:00Z',
});
const CANCELLED = stored('uid-can-1', {
  eventId: 'can-1',
  type: 'missing.cancelled',
  occurredAt: '2025-03-10T11:00:00Z',
  policeReference: REF,
});

/** The plan for `event` over the episode folded from `events` (which should include `event`). */
function plan(event: StoredEvent, events: StoredEvent[], overrides: Partial<FanoutInput> = {}): FanoutPlan {
  return planFanout({
    stored: event,
    view: foldEpisode(events),
    latestUid: latestEvent(events)?.uid ?? event.uid,
    wasClosed: false,
    recipients: [],
    rootStatus: new Map(),
    rootRecipients: new Map(),
    directory: DIRECTORY,
    localityOfDistrict,
    previousLocality: undefined,
    ...overrides,
  });
}

/** `audience type:id/contact` lines: who gets what at a glance. */
const who = (deliveries: readonly NewDelivery[]) =>
  deliveries.map((d) => `${d.audience} ${d.organisation.type}:${d.organisation.id}/${d.contact.contactId}`);

const keyOf = (e: { orgType: string; orgId: string; contactId: string }) => `${e.orgType}:${e.orgId}/${e.contactId}`;

const ALERT_RECIPIENTS = [
  'direct gp:Y90001/y90001-a',
  'direct school:990001/990001-a',
  'direct school:990001/990001-b',
  'area gp:Y90002/y90002-a',
  'area school:990002/990002-a',
];

/** The alert's plan, and its recipient entries with each root at the given status (default sent). */
function afterAlert(statuses: Record<string, DeliveryStatus> = {}) {
  const alert = plan(REPORT, [REPORT]);
  const rootStatus = new Map<string, DeliveryStatus>(
    alert.recipients.map((e) => [e.threadRoot, statuses[keyOf(e)] ?? 'sent']),
  );
  const rootRecipients = new Map(alert.deliveries.map((d) => [d.deliveryId, { organisation: d.organisation, contact: d.contact }]));
  return { alert, recipients: alert.recipients, rootStatus, rootRecipients, previousLocality: alert.locality };
}

describe('planFanout: the alert of a missing.reported', () => {
  const alert = plan(REPORT, [REPORT]);

  it('writes one pending alert delivery per contact: direct to the own school and GP, area to the rest of the locality', () => {
    expect(who(alert.deliveries)).toEqual(ALERT_RECIPIENTS);
    expect(alert.deliveries.every((d) => d.kind === 'alert' && d.status === 'pending' && d.threadOf === null)).toBe(true);
    expect(alert.locality).toBe('Morpeth');
    expect(alert.supersedePending).toBe(false);
  });

  it('asks direct recipients to acknowledge, and not area recipients', () => {
    for (const d of alert.deliveries) expect(d.ackable, who([d])[0]).toBe(d.audience === 'direct');
  });

  it('copies the event, episode, organisation and contact onto each delivery', () => {
    const d = alert.deliveries.find((x) => x.contact.contactId === '990001-b')!;
    expect(d).toMatchObject({
      eventUid: 'uid-rep-1',
      eventId: 'rep-1',
      episodeId: EPISODE,
      feedId: FEED,
      risk: 'high',
      organisation: { type: 'school', id: '990001', name: 'Fictional school 990001' },
      contact: { contactId: '990001-b', name: 'Fictional Person 990001-b', email: '990001-b@example.endeavor.test', role: 'deputy' },
    });
  });

  it('puts every direct delivery ahead of every area delivery', () => {
    const direct = alert.deliveries.filter((d) => d.audience === 'direct').map((d) => d.priority);
    const area = alert.deliveries.filter((d) => d.audience === 'area').map((d) => d.priority);
    expect(Math.max(...direct)).toBeLessThan(Math.min(...area));
  });

  it('puts a high-risk alert ahead of a low-risk one in the same audience', () => {
    const priorityOf = (risk: Risk, audience: 'direct' | 'area') => {
      const p = plan(stored('uid-rep-r', reportEvent({ risk })), [stored('uid-rep-r', reportEvent({ risk }))]);
      return p.deliveries.find((d) => d.audience === audience)!.priority;
    };
    expect(priorityOf('high', 'direct')).toBeLessThan(priorityOf('low', 'direct'));
    expect(priorityOf('high', 'area')).toBeLessThan(priorityOf('low', 'area'));
    expect(priorityOf('low', 'direct')).toBeLessThan(priorityOf('high', 'area'));
  });

  it('gives deterministic delivery ids: the same input plans the same ids', () => {
    expect(plan(REPORT, [REPORT]).deliveries.map((d) => d.deliveryId)).toEqual(alert.deliveries.map((d) => d.deliveryId));
  });

  it('gives each delivery its own id of the form dl_<24 hex>, with no colon', () => {
    const ids = alert.deliveries.map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^dl_[0-9a-f]{24}$/);
      expect(id).not.toContain(':');
    }
  });

  it('derives the id from the event and the contact alone', () => {
    const d = alert.deliveries[0]!;
    expect(d.deliveryId).toBe(deliveryIdOf('uid-rep-1', { orgType: d.organisation.type, orgId: d.organisation.id, contactId: d.contact.contactId }));
    expect(deliveryIdOf('uid-rep-2', { orgType: 'school', orgId: '990001', contactId: '990001-a' })).not.toBe(
      deliveryIdOf('uid-rep-1', { orgType: 'school', orgId: '990001', contactId: '990001-a' }),
    );
    expect(deliveryIdOf('uid-rep-1', { orgType: 'school', orgId: '990001', contactId: '990001-b' })).not.toBe(
      deliveryIdOf('uid-rep-1', { orgType: 'school', orgId: '990001', contactId: '990001-a' }),
    );
  });

  it('records one recipient entry per delivery, rooted at that delivery', () => {
    expect(alert.recipients).toEqual(
      alert.deliveries.map((d) => ({
        orgType: d.organisation.type,
        orgId: d.organisation.id,
        contactId: d.contact.contactId,
        audience: d.audience,
        threadRoot: d.deliveryId,
      })),
    );
  });

  it('skips contacts already written to when a second report arrives for the episode', () => {
    const second = stored('uid-rep-2', reportEvent({ eventId: 'rep-2', occurredAt: '2025-03-10T09:05:00Z' }));
    const already = alert.recipients.filter((e) => e.orgType === 'school' && e.orgId === '990001');
    const again = plan(second, [REPORT, second], { recipients: already });
    expect(who(again.deliveries)).toEqual(['direct gp:Y90001/y90001-a', 'area gp:Y90002/y90002-a', 'area school:990002/990002-a']);
    expect(again.recipients.map(keyOf)).toEqual(['gp:Y90001/y90001-a', 'gp:Y90002/y90002-a', 'school:990002/990002-a']);
    expect(again.recipients.every((e) => again.deliveries.some((d) => d.deliveryId === e.threadRoot))).toBe(true);
  });

  it('writes nothing for a second report when every contact has been written to', () => {
    const second = stored('uid-rep-2', reportEvent({ eventId: 'rep-2', occurredAt: '2025-03-10T09:05:00Z' }));
    const again = plan(second, [REPORT, second], { recipients: alert.recipients });
    expect(again.deliveries).toEqual([]);
    expect(again.recipients).toEqual([]);
  });

  it('records the deliveries of a report whose episode has already closed as superseded, with no recipient entries', () => {
    const late = plan(REPORT, [FOUND, REPORT]);
    expect(who(late.deliveries)).toEqual(ALERT_RECIPIENTS);
    expect(late.deliveries.every((d) => d.status === 'superseded')).toBe(true);
    expect(late.recipients).toEqual([]);
    expect(late.reason).toBe('episode closed before its report');
  });

  it('supersedes the deliveries of a report whose episode was cancelled too', () => {
    const late = plan(REPORT, [CANCELLED, REPORT]);
    expect(late.deliveries.length).toBeGreaterThan(0);
    expect(late.deliveries.every((d) => d.status === 'superseded')).toBe(true);
    expect(late.recipients).toEqual([]);
  });

  it("returns the child's unknown school as unroutable and an inactive GP as inactive, and still alerts the locality", () => {
    const report = stored('uid-rep-x', reportEvent({}, { schoolUrn: '999999', gpOdsCode: 'Y90009' }));
    const p = plan(report, [report]);
    expect(p.unroutable).toEqual([{ type: 'school', id: '999999' }]);
    expect(p.inactive).toEqual([{ type: 'gp', id: 'Y90009' }]);
    expect(who(p.deliveries)).toEqual([
      'area gp:Y90001/y90001-a',
      'area gp:Y90002/y90002-a',
      'area school:990001/990001-a',
      'area school:990001/990001-b',
      'area school:990002/990002-a',
    ]);
  });

  it('takes the locality from the school when the report gives no postcode district', () => {
    const report = stored('uid-rep-nodistrict', reportEvent({}, { postcodeDistrict: undefined }));
    const p = plan(report, [report]);
    expect(p.locality).toBe('Morpeth');
    expect(who(p.deliveries)).toEqual(ALERT_RECIPIENTS);
  });

  it('writes nothing when the same alert is planned again over the entries it recorded', () => {
    const rerun = plan(REPORT, [REPORT], { recipients: alert.recipients });
    expect(rerun.deliveries).toEqual([]);
    expect(rerun.recipients).toEqual([]);
  });
});

describe('planFanout: a missing.updated', () => {
  it('sends nothing for an update that arrives before the report', () => {
    const p = plan(UPDATE, [UPDATE]);
    expect(p.deliveries).toEqual([]);
    expect(p.recipients).toEqual([]);
    expect(p.supersedePending).toBe(false);
  });

  it('goes to exactly the recipients the alert reached or is reaching, threaded to their alert', () => {
    const { alert, recipients, rootStatus, previousLocality } = afterAlert({
      'school:990001/990001-a': 'sent',
      'school:990001/990001-b': 'pending',
      'gp:Y90001/y90001-a': 'sending',
      'gp:Y90002/y90002-a': 'retrying',
      'school:990002/990002-a': 'failed',
    });
    const p = plan(UPDATE, [REPORT, UPDATE], { recipients, rootStatus, previousLocality });
    expect(who(p.deliveries)).toEqual([
      'direct gp:Y90001/y90001-a',
      'direct school:990001/990001-a',
      'direct school:990001/990001-b',
      'area gp:Y90002/y90002-a',
    ]);
    for (const d of p.deliveries) {
      const root = alert.deliveries.find((a) => a.contact.contactId === d.contact.contactId)!;
      expect(d.threadOf).toBe(root.deliveryId);
      expect(d).toMatchObject({ kind: 'update', status: 'pending', ackable: false, eventUid: 'uid-upd-1' });
    }
    expect(p.recipients).toEqual([]);
    expect(p.supersedePending).toBe(false);
    expect(p.locality).toBe('Morpeth');
  });

  it('leaves out recipients whose alert was superseded or whose root status is unknown', () => {
    const { recipients, rootStatus } = afterAlert({ 'school:990001/990001-a': 'superseded' });
    rootStatus.delete(recipients.find((e) => e.contactId === 'y90001-a')!.threadRoot);
    const p = plan(UPDATE, [REPORT, UPDATE], { recipients, rootStatus });
    expect(who(p.deliveries)).toEqual(['direct school:990001/990001-b', 'area gp:Y90002/y90002-a', 'area school:990002/990002-a']);
  });

  it('gives update deliveries ids of their own, distinct from the alert ids', () => {
    const { alert, recipients, rootStatus } = afterAlert();
    const p = plan(UPDATE, [REPORT, UPDATE], { recipients, rootStatus });
    const alertIds = new Set(alert.deliveries.map((d) => d.deliveryId));
    expect(p.deliveries.some((d) => alertIds.has(d.deliveryId))).toBe(false);
  });

  it('prices update deliveries at the risk the update brings', () => {
    const { recipients, rootStatus } = afterAlert();
    const report = stored('uid-rep-low', reportEvent({ risk: 'low' }));
    const raise = stored('uid-upd-raise', updateEvent({ risk: 'high' }));
    const before = plan(report, [report]);
    const after = plan(raise, [report, raise], { recipients, rootStatus });
    const direct = (p: FanoutPlan) => p.deliveries.find((d) => d.audience === 'direct')!;
    expect(direct(after).risk).toBe('high');
    expect(direct(after).priority).toBeLessThan(direct(before).priority);
  });

  it('brings new direct recipients for a new schoolUrn: ackable, unthreaded, and recorded as recipients', () => {
    const { recipients, rootStatus } = afterAlert();
    const moved = stored('uid-upd-school', updateEvent({ eventId: 'upd-school', child: { schoolUrn: '990003' } }));
    const p = plan(moved, [REPORT, moved], { recipients, rootStatus });
    const fresh = p.deliveries.filter((d) => d.organisation.id === '990003');
    expect(who(fresh)).toEqual(['direct school:990003/990003-a', 'direct school:990003/990003-b']);
    for (const d of fresh) expect(d).toMatchObject({ kind: 'update', audience: 'direct', ackable: true, threadOf: null, status: 'pending' });
    expect(p.recipients).toEqual(
      fresh.map((d) => ({ orgType: 'school', orgId: '990003', contactId: d.contact.contactId, audience: 'direct', threadRoot: d.deliveryId })),
    );
    // Everyone the alert reached still gets the update, threaded and not asked to acknowledge again.
    const old = p.deliveries.filter((d) => d.organisation.id !== '990003');
    expect(who(old)).toEqual(ALERT_RECIPIENTS);
    expect(old.every((d) => d.threadOf !== null && !d.ackable)).toBe(true);
  });

  it('does not ask existing direct recipients to acknowledge again when an update restates their code', () => {
    const { recipients, rootStatus } = afterAlert();
    const same = stored('uid-upd-same', updateEvent({ child: { schoolUrn: '990001', gpOdsCode: 'Y90001' } }));
    const p = plan(same, [REPORT, same], { recipients, rootStatus });
    expect(who(p.deliveries)).toEqual(ALERT_RECIPIENTS);
    expect(p.deliveries.every((d) => !d.ackable && d.threadOf !== null)).toBe(true);
    expect(p.recipients).toEqual([]);
  });

  it('turns an area recipient whose organisation becomes the child\'s school into a direct one, keeping its thread', () => {
    const { alert, recipients, rootStatus } = afterAlert();
    const moved = stored('uid-upd-area', updateEvent({ child: { schoolUrn: '990002' } }));
    const p = plan(moved, [REPORT, moved], { recipients, rootStatus });
    const root = alert.deliveries.find((d) => d.contact.contactId === '990002-a')!.deliveryId;
    const d = p.deliveries.find((x) => x.contact.contactId === '990002-a')!;
    expect(d).toMatchObject({ audience: 'direct', ackable: true, threadOf: root });
    expect(d.priority).toBe(p.deliveries.find((x) => x.contact.contactId === '990001-a')!.priority);
    expect(p.recipients).toEqual([{ orgType: 'school', orgId: '990002', contactId: '990002-a', audience: 'direct', threadRoot: root }]);
    expect(p.deliveries.filter((x) => x.contact.contactId === '990002-a')).toHaveLength(1);
  });

  it('returns an unknown new school as unroutable and an inactive new GP as inactive', () => {
    const { recipients, rootStatus } = afterAlert();
    const moved = stored('uid-upd-bad', updateEvent({ child: { schoolUrn: '999999', gpOdsCode: 'Y90009' } }));
    const p = plan(moved, [REPORT, moved], { recipients, rootStatus });
    expect(p.unroutable).toEqual([{ type: 'school', id: '999999' }]);
    expect(p.inactive).toEqual([{ type: 'gp', id: 'Y90009' }]);
    expect(who(p.deliveries)).toEqual(ALERT_RECIPIENTS);
  });

  it('sends nothing for an update when the episode has closed', () => {
    const { recipients, rootStatus } = afterAlert();
    const p = plan(UPDATE, [REPORT, UPDATE, FOUND], { recipients, rootStatus });
    expect(p.deliveries).toEqual([]);
    expect(p.recipients).toEqual([]);
    expect(p.supersedePending).toBe(false);
  });

  it('keeps the locality it was given: an update does not broadcast to a new area', () => {
    const { recipients, rootStatus } = afterAlert();
    const movedArea = stored('uid-upd-district', updateEvent({ child: { postcodeDistrict: 'NE46' } }));
    const p = plan(movedArea, [REPORT, movedArea], { recipients, rootStatus, previousLocality: 'Morpeth' });
    expect(p.locality).toBe('Morpeth');
    expect(who(p.deliveries)).toEqual(ALERT_RECIPIENTS);
  });
});

describe('planFanout: closing events', () => {
  const statuses: Record<string, DeliveryStatus> = {
    'school:990001/990001-a': 'sent',
    'school:990001/990001-b': 'pending',
    'gp:Y90001/y90001-a': 'sending',
    'gp:Y90002/y90002-a': 'retrying',
    'school:990002/990002-a': 'failed',
  };

  it('supersedes pending work and tells only those the alert reached (sent or sending) that the child is found', () => {
    const { alert, recipients, rootStatus } = afterAlert(statuses);
    const p = plan(FOUND, [REPORT, FOUND], { recipients, rootStatus });
    expect(p.supersedePending).toBe(true);
    expect(who(p.deliveries)).toEqual(['direct gp:Y90001/y90001-a', 'direct school:990001/990001-a']);
    for (const d of p.deliveries) {
      const root = alert.deliveries.find((a) => a.contact.contactId === d.contact.contactId)!;
      expect(d).toMatchObject({ kind: 'found', status: 'pending', ackable: false, threadOf: root.deliveryId });
    }
    expect(p.recipients).toEqual([]);
  });

  it('does the same for a cancellation', () => {
    const { recipients, rootStatus } = afterAlert(statuses);
    const p = plan(CANCELLED, [REPORT, CANCELLED], { recipients, rootStatus });
    expect(p.supersedePending).toBe(true);
    expect(who(p.deliveries)).toEqual(['direct gp:Y90001/y90001-a', 'direct school:990001/990001-a']);
    expect(p.deliveries.every((d) => d.kind === 'cancelled' && !d.ackable)).toBe(true);
  });

  it('sends nothing for a found when the episode was already closed by an earlier event', () => {
    const { recipients, rootStatus } = afterAlert();
    const p = plan(FOUND, [REPORT, CANCELLED, FOUND], { recipients, rootStatus, wasClosed: true });
    expect(p.deliveries).toEqual([]);
    expect(p.recipients).toEqual([]);
    expect(p.supersedePending).toBe(false);
  });

  it('sends nothing for a found that arrives before the report', () => {
    const p = plan(FOUND, [FOUND]);
    expect(p.deliveries).toEqual([]);
    expect(p.supersedePending).toBe(false);
  });

  it('still writes to a contact deactivated since the alert, as their alert went, for the send path to supersede (SPEC §6)', () => {
    const { alert, recipients, rootStatus, rootRecipients } = afterAlert();
    const leaver = organisation('school', '990001', { contacts: [contact('990001-a'), contact('990001-b', { active: false })] });
    const directory = directoryOf([leaver, ownGp, areaSchool, areaGp]);
    const p = plan(FOUND, [REPORT, FOUND], { recipients, rootStatus, rootRecipients, directory });
    const root = alert.deliveries.find((d) => d.contact.contactId === '990001-b')!;
    const toLeaver = p.deliveries.find((d) => d.contact.contactId === '990001-b');
    expect(toLeaver).toMatchObject({ kind: 'found', audience: 'direct', status: 'pending', threadOf: root.deliveryId, contact: root.contact, organisation: root.organisation });
    expect(who(p.deliveries)).toContain('direct school:990001/990001-a');
    expect(p.recipients).toEqual([]);
  });
});

describe('planFanout: follow-ups to organisations deactivated or removed since the alert', () => {
  it('writes an update to every contact of a deactivated GP practice and a removed area school, in the audience they had', () => {
    const { recipients, rootStatus, rootRecipients } = afterAlert();
    const directory = directoryOf([ownSchool, { ...ownGp, active: false }, areaGp, optedOut, closedSchool]);
    const p = plan(UPDATE, [REPORT, UPDATE], { recipients, rootStatus, rootRecipients, directory });
    expect(who(p.deliveries).sort()).toEqual([...ALERT_RECIPIENTS].sort());
    expect(p.deliveries.every((d) => d.kind === 'update' && d.status === 'pending' && !d.ackable)).toBe(true);
  });

  it('writes nothing to a deactivated organisation the alert never reached, nor to one never alerted', () => {
    const { recipients, rootStatus, rootRecipients } = afterAlert({ 'gp:Y90001/y90001-a': 'superseded' });
    const directory = directoryOf([ownSchool, { ...ownGp, active: false }, areaSchool, areaGp, optedOut, closedSchool]);
    const p = plan(UPDATE, [REPORT, UPDATE], { recipients, rootStatus, rootRecipients, directory });
    expect(who(p.deliveries)).toEqual(ALERT_RECIPIENTS.filter((w) => !w.includes('Y90001')));
  });
});
