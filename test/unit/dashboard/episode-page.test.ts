import { describe, expect, it } from 'vitest';
import { episodeView } from '../../../src/dashboard/views/episode';
import type { DeliveryWithHistory } from '../../../src/delivery/delivery.store';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';

/* The episode page as a MASH worker reads it: own school and GP first, area recipients summarised. Fictional data. */

const episode = {
  episodeId: 'ep_000000000000000000000001', feedId: 'feed-a', policeReference: 'NP-1', reported: true, state: 'open', risk: 'high',
  openedAt: '2026-11-27T09:00:00Z', closedAt: undefined, foundAt: undefined, returnInterviewDueAt: undefined,
  facts: { policeReference: 'NP-1', risk: 'high', child: {} }, schoolUrn: '990001', gpOdsCode: 'Y90001', postcodeDistrict: 'NE61',
  locality: 'Morpeth', unroutable: [], inactive: [], updatedAt: '2026-11-27T09:00:00Z',
} as EpisodeRecord;

let n = 0;
function delivery(audience: 'direct' | 'area', org: { type: 'school' | 'gp'; id: string; name: string }, overrides: Partial<DeliveryWithHistory> = {}): DeliveryWithHistory {
  n += 1;
  return {
    deliveryId: `d-${n}`, eventUid: 'u', eventId: 'e', episodeId: episode.episodeId, feedId: 'feed-a', kind: 'alert', audience, organisation: org,
    contact: { contactId: `c-${n}`, name: `Contact ${n} (fictional)`, email: `c${n}@org.endeavor.test`, role: 'dsl' },
    status: 'sent', attempts: 1, lastError: null, createdAt: '2026-11-27T09:00:01Z', updatedAt: '2026-11-27T09:00:02Z', sentAt: '2026-11-27T09:00:02Z',
    acknowledgedAt: null, escalatedAt: null, answeredAt: null, threadOf: null, asOf: null, ackable: audience === 'direct', acknowledgement: { inSchoolToday: null, note: null },
    risk: 'high', priority: 1, history: [], ...overrides,
  };
}

const SCHOOL = { type: 'school' as const, id: '990001', name: 'Fictional Own School (sample)' };
const GP = { type: 'gp' as const, id: 'Y90001', name: 'Fictional Own Practice (sample)' };
const AREA = { type: 'school' as const, id: '990003', name: 'Fictional Area School (sample)' };
const user = { id: 'usr_test', email: 'mash@endeavor.test', role: 'mash' as const, csrfToken: 't' };

describe('episode page deliveries', () => {
  const deliveries = [
    delivery('area', AREA),
    delivery('area', AREA, { status: 'failed', sentAt: null }),
    delivery('area', AREA),
    delivery('direct', SCHOOL, { acknowledgedAt: '2026-11-27T09:10:00Z' }),
    delivery('direct', SCHOOL, { escalatedAt: '2026-11-27T10:00:00Z' }),
    delivery('direct', GP, { status: 'failed', sentAt: null }),
  ];
  const page = episodeView({ episode, facts: { policeReference: 'NP-1', risk: 'high', child: { dateOfBirth: '2013-05-14' }, concerns: ['cse', 'self_harm'] }, events: [], deliveries, user }).value;

  it('shows the own school and GP at a glance before any area recipient', () => {
    const glance = page.slice(page.indexOf('<table class="glance">'), page.indexOf('</table>', page.indexOf('<table class="glance">')));
    expect(glance).toContain('<th scope="row">Fictional Own School (sample)');
    expect(glance).toContain('<td>2 of 2</td><td>1</td><td><strong class="alarm">1</strong></td><td>0</td>');
    expect(glance).toContain('<td>0 of 1</td><td>0</td><td>0</td><td><strong class="alarm">1</strong></td>');
    expect(page.indexOf('Fictional Own Practice')).toBeLessThan(page.indexOf('Fictional Area School'));
  });

  it('summarises area recipients by status, their rows behind a disclosure', () => {
    expect(page).toContain('<p>1 failed, 2 sent.</p>');
    const details = page.slice(page.indexOf('<details class="area-deliveries">'));
    expect(details).toContain('<summary>Show the 3 area deliveries</summary>');
    expect(details.match(/<th scope="row">Fictional Area School/g)).toHaveLength(3);
  });

  it('writes the date of birth and concerns as the direct alert does', () => {
    expect(page).toContain('14 May 2013 (age 13)');
    expect(page).toContain('Child sexual exploitation (CSE); Self-harm');
  });
});

describe('episode page return home interview', () => {
  const found = { ...episode, state: 'found', foundAt: '2026-11-27T15:00:00Z', closedAt: '2026-11-27T15:10:00Z', returnInterviewDueAt: '2026-11-30T15:00:00Z' } as EpisodeRecord;
  const facts = { policeReference: 'NP-1', risk: 'high' as const, child: {} };

  it('offers a found episode the form that records the interview as done, with the CSRF token', () => {
    const page = episodeView({ episode: found, facts, events: [], deliveries: [], user }).value;
    expect(page).toContain('Return home interview due by');
    expect(page).toMatch(/<form method="post" action="\/dashboard\/episodes\/ep_0{23}1\/return-interview"><input type="hidden" name="csrf" value="t"><button[^>]*>Record the return home interview as done<\/button><\/form>/);
  });

  it('says who recorded it and when, and offers no form, once done', () => {
    const page = episodeView({ episode: found, facts, events: [], deliveries: [], user, returnInterview: { recordedAt: '2026-11-29T10:00:00Z', recordedBy: 'mash:mash@endeavor.test' } }).value;
    expect(page).toContain('Return home interview done');
    expect(page).toContain('by mash:mash@endeavor.test');
    expect(page).not.toContain('/return-interview"');
  });

  it('shows neither on an open episode', () => {
    expect(episodeView({ episode, facts, events: [], deliveries: [], user }).value).not.toContain('Return home interview');
  });
});
