import { describe, expect, it } from 'vitest';
import { foldEpisode } from '../../../src/episodes/episode';
import type { MissingEvent } from '../../../src/intake/event.schema';
import { parseEvent } from '../../../src/intake/parse-event';

/* SPEC §3: `child.policePersonId`, the force's own person id, optional, 1–64 characters. Fictional data. */

const NOW = new Date('2026-07-15T12:00:00.000Z');
const report = (child: Record<string, unknown>) => ({
  eventId: 'rep-1',
  type: 'missing.reported',
  occurredAt: '2026-07-15T11:00:00Z',
  policeReference: 'NP-2026-0001',
  child: { givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14', lookedAfter: false, ...child },
  risk: 'high',
  missingFrom: 'home',
  lastSeen: { at: '2026-07-15T10:00:00Z', area: 'Morpeth town centre' },
  contact: { name: 'PC Example Officer', phone: '101' },
});

describe('child.policePersonId', () => {
  it('is accepted, trimmed, and carried into the episode facts', () => {
    const parsed = parseEvent(report({ policePersonId: ' NP-PERSON-0042 ' }), NOW);
    expect(parsed.ok).toBe(true);
    const event = (parsed as { event: MissingEvent }).event;
    const view = foldEpisode([
      { uid: 'u1', feedId: 'f', eventId: 'rep-1', episodeId: 'ep', type: event.type, receivedAt: NOW.toISOString(), state: 'accepted', event },
    ]);
    expect(view.facts.child.policePersonId).toBe('NP-PERSON-0042');
  });

  it('is optional', () => {
    expect(parseEvent(report({}), NOW).ok).toBe(true);
  });

  it.each([
    ['empty', '  ', 'must not be empty'],
    ['65 characters', 'p'.repeat(65), 'must be at most 64 characters'],
  ])('rejects a policePersonId that is %s with a path', (_label, value, message) => {
    expect(parseEvent(report({ policePersonId: value }), NOW)).toEqual({ ok: false, errors: [{ path: 'child.policePersonId', message }] });
  });
});
