import { describe, expect, it } from 'vitest';
import { childKey, repeatedChildren, type EpisodeOfChild } from '../../../src/reports/repeat-children';

/* SPEC §13: the matching rule for repeated episodes. Fictional names only. */

const base = { feedId: 'feed-a', givenName: 'Testchild', familyName: 'Fictional', dateOfBirth: '2013-05-14' };
const same = (a: object, b: object) => childKey({ ...base, ...a }) === childKey({ ...base, ...b });

describe('childKey: who counts as the same child', () => {
  it.each([
    ['identical reports', {}, {}, true],
    ['extra spaces inside and around a name', { givenName: 'Mary  Ann' }, { givenName: ' Mary Ann ' }, true],
    ['a composed and a decomposed accent (the same text)', { givenName: 'Zo\u00eb' }, { givenName: 'Zoe\u0308' }, true],
    ['an accent against none', { givenName: 'Zoë' }, { givenName: 'Zoe' }, false],
    ['a hyphen against a space', { familyName: 'Eskdale-Finch' }, { familyName: 'Eskdale Finch' }, false],
    ['a hyphen against nothing', { familyName: 'Eskdale-Finch' }, { familyName: 'EskdaleFinch' }, false],
    ['different case', { familyName: 'Fictional' }, { familyName: 'FICTIONAL' }, false],
    ['given and family names swapped', {}, { givenName: 'Fictional', familyName: 'Testchild' }, false],
    ['another date of birth', {}, { dateOfBirth: '2013-05-15' }, false],
    ['another feed', {}, { feedId: 'feed-b' }, false],
    ['the same policePersonId under different names', { policePersonId: 'P-1' }, { policePersonId: 'P-1', givenName: 'Othername' }, true],
    ['different policePersonIds under the same name', { policePersonId: 'P-1' }, { policePersonId: 'P-2' }, false],
    ['the same policePersonId from two feeds', { policePersonId: 'P-1' }, { policePersonId: 'P-1', feedId: 'feed-b' }, false],
  ])('%s: same child = %s', (_label, a, b, expected) => {
    expect(same(a, b)).toBe(expected);
  });

  it('does not guess when the report lacks a name or a date of birth', () => {
    expect(childKey({ feedId: 'feed-a', givenName: 'Testchild' })).toBeUndefined();
  });
});

const DAY = 24 * 3600_000;
const T0 = Date.parse('2026-01-01T10:00:00Z');
const ep = (n: number, day: number, child: object = {}): EpisodeOfChild => ({
  episodeId: `ep-${n}`,
  openedAt: new Date(T0 + day * DAY).toISOString(),
  child: { ...base, ...child },
});

describe('repeatedChildren', () => {
  const all = Number.NEGATIVE_INFINITY;
  const end = Number.POSITIVE_INFINITY;

  it('lists a child with 3 episodes within 90 days, oldest first', () => {
    const found = repeatedChildren([ep(3, 89), ep(1, 0), ep(2, 40)], all, end);
    expect(found).toHaveLength(1);
    expect(found[0]!.episodes.map((e) => e.episodeId)).toEqual(['ep-1', 'ep-2', 'ep-3']);
    expect(found[0]!.mostIn90Days).toBe(3);
  });

  it('does not list 3 episodes spread over more than 90 days, nor 2 episodes', () => {
    expect(repeatedChildren([ep(1, 0), ep(2, 50), ep(3, 91)], all, end)).toEqual([]);
    expect(repeatedChildren([ep(1, 0), ep(2, 5)], all, end)).toEqual([]);
  });

  it('does not merge swapped names into one repeat', () => {
    const swapped = { givenName: 'Fictional', familyName: 'Testchild' };
    expect(repeatedChildren([ep(1, 0), ep(2, 10), ep(3, 20, swapped)], all, end)).toEqual([]);
  });

  it('lists a repeat completed inside the period, not one completed before it', () => {
    const episodes = [ep(1, 0), ep(2, 10), ep(3, 20)];
    expect(repeatedChildren(episodes, T0 + 15 * DAY, T0 + 30 * DAY)).toHaveLength(1);
    expect(repeatedChildren(episodes, T0 + 21 * DAY, T0 + 30 * DAY)).toEqual([]);
  });
});
