import { randomUUID } from 'node:crypto';

/*
 * Fictional sample data only: no real people, every address on a .test domain.
 * Each factory takes overrides so a test states only what it is about.
 */

let counter = 0;
export const uniqueId = (label = 'ev') => `${label}-${Date.now().toString(36)}-${(++counter).toString(36)}-${randomUUID().slice(0, 8)}`;

const isoAgo = (ms: number) => new Date(Date.now() - ms).toISOString();

export function reportedEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventId: uniqueId('rep'),
    type: 'missing.reported',
    occurredAt: isoAgo(60_000),
    policeReference: uniqueId('NP'),
    child: {
      givenName: 'Testchild',
      familyName: 'Fictional',
      dateOfBirth: '2013-05-14',
      gender: 'female',
      schoolUrn: '990001',
      gpOdsCode: 'Y90001',
      postcodeDistrict: 'NE61',
      lookedAfter: false,
      description: 'Slim build, dark hair, green school coat (fictional).',
    },
    risk: 'high',
    missingFrom: 'home',
    lastSeen: { at: isoAgo(3_600_000), area: 'Morpeth town centre' },
    concerns: ['cse'],
    contact: { name: 'PC Example Officer', phone: '101', email: 'mispers@police.example.test' },
    ...overrides,
  };
}

export function updatedEvent(policeReference: string, overrides: Record<string, unknown> = {}) {
  return {
    eventId: uniqueId('upd'),
    type: 'missing.updated',
    occurredAt: isoAgo(30_000),
    policeReference,
    risk: 'medium',
    note: 'Sighting reported near the bus station (fictional).',
    ...overrides,
  };
}

export function foundEvent(policeReference: string, overrides: Record<string, unknown> = {}) {
  return {
    eventId: uniqueId('fnd'),
    type: 'missing.found',
    occurredAt: isoAgo(10_000),
    policeReference,
    foundAt: isoAgo(20_000),
    ...overrides,
  };
}

export function cancelledEvent(policeReference: string, overrides: Record<string, unknown> = {}) {
  return {
    eventId: uniqueId('can'),
    type: 'missing.cancelled',
    occurredAt: isoAgo(10_000),
    policeReference,
    reason: 'Report made in error (fictional).',
    ...overrides,
  };
}
