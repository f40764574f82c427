import { describe, expect, it } from 'vitest';
import { normaliseName } from '../../../src/domain/child-identity';
import { groupByChild, repeatedChildren, type EpisodeOfChild } from '../../../src/reports/repeat-children';

/* SPEC §13: the matching rule for repeated episodes. Fictional names only. */

const base = { feedId: 'feed-a', givenName: 'Zara', familyName: 'Quillby', dateOfBirth: '2013-05-14' };
let n = 0;
const report = (child: object = {}): EpisodeOfChild => ({ episodeId: `ep-${++n}`, openedAt: '2026-01-01T10:00:00Z', child: { ...base, ...child } });
/** The episodes of each child found among `reports`, as lists of their episode ids. */
const children = (...reports: EpisodeOfChild[]) => [...groupByChild(reports).values()].map((g) => g.map((e) => e.episodeId));
const same = (a: object, b: object) => children(report(a), report(b)).length === 1;

describe('normaliseName', () => {
  it.each([
    ['ZARA QUILLBY', 'zaraquillby'],
    ['  Zara   Quillby ', 'zaraquillby'],
    ['Zoë', 'zoe'],
    ['Zoe\u0308', 'zoe'],
    ['Smith-Jones', 'smithjones'],
    ['Smith\u2010Jones', 'smithjones'],
    ["O'Brien", 'obrien'],
    ['O\u2019Brien', 'obrien'],
    ['Ségolène', 'segolene'],
    ['Søren Łukasz', 'sorenlukasz'],
    ['Strauß', 'strauss'],
    ['Ｚａｒａ', 'zara'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseName(name)).toBe(expected);
  });
});

describe('who counts as the same child', () => {
  it.each([
    ['identical reports', {}, {}, true],
    ['upper case against mixed case', { givenName: 'ZARA', familyName: 'QUILLBY' }, {}, true],
    ['extra spaces inside and around a name', { givenName: 'Mary  Ann' }, { givenName: ' Mary Ann ' }, true],
    ['a composed and a decomposed accent', { givenName: 'Zo\u00eb' }, { givenName: 'Zoe\u0308' }, true],
    ['an accent against none', { givenName: 'Zára' }, { givenName: 'Zara' }, true],
    ['a hyphen against a space', { familyName: 'Quillby-Finch' }, { familyName: 'Quillby Finch' }, true],
    ['a hyphen against nothing', { familyName: 'Quillby-Finch' }, { familyName: 'QuillbyFinch' }, true],
    ['an apostrophe against nothing', { familyName: "O'Quillby" }, { familyName: 'OQuillby' }, true],
    ['given and family names swapped', {}, { givenName: 'Quillby', familyName: 'Zara' }, false],
    ['a double-barrelled given name moved to the family name', { givenName: 'Zara Mae', familyName: 'Quillby' }, { givenName: 'Zara', familyName: 'Mae Quillby' }, false],
    ['another date of birth', {}, { dateOfBirth: '2013-05-15' }, false],
    ['another feed', {}, { feedId: 'feed-b' }, false],
    ['another feed in capitals', {}, { feedId: 'feed-b', givenName: 'ZARA', familyName: 'QUILLBY' }, false],
    ['the same policePersonId under different names', { policePersonId: 'P-1' }, { policePersonId: 'P-1', givenName: 'Othername' }, true],
    ['different policePersonIds under the same name', { policePersonId: 'P-1' }, { policePersonId: 'P-2' }, false],
    ['the same policePersonId from two feeds', { policePersonId: 'P-1' }, { policePersonId: 'P-1', feedId: 'feed-b' }, false],
    ['a policePersonId and none, same name and date of birth', { policePersonId: 'P-1' }, {}, true],
    ['a policePersonId and none, another date of birth', { policePersonId: 'P-1' }, { dateOfBirth: '2013-05-15' }, false],
  ])('%s: same child = %s', (_label, a, b, expected) => {
    expect(same(a, b)).toBe(expected);
  });

  it('does not guess when the report lacks a name or a date of birth, or the name is only punctuation', () => {
    expect(children(report({ dateOfBirth: undefined }), report({ dateOfBirth: undefined }))).toEqual([]);
    expect(children(report({ familyName: '-' }), report({ familyName: "'" }))).toEqual([]);
  });

  it('joins reports without an id to the one id seen under their name and date of birth, whatever the names of its other reports', () => {
    const withId = report({ policePersonId: 'P-1' });
    const renamed = report({ policePersonId: 'P-1', familyName: 'Quillby-Lee' });
    const without = report({ givenName: 'ZARA' });
    const underRenamed = report({ familyName: 'Quillby Lee' });
    expect(children(withId, renamed, without, underRenamed)).toEqual([[withId.episodeId, renamed.episodeId, without.episodeId, underRenamed.episodeId]]);
  });

  it('keeps a report without an id apart from two children the force tells apart under one name and date of birth', () => {
    const first = report({ policePersonId: 'P-1' });
    const second = report({ policePersonId: 'P-2' });
    const without = report();
    const alsoWithout = report({ familyName: 'QUILLBY' });
    expect(children(first, second, without, alsoWithout)).toEqual([[first.episodeId], [second.episodeId], [without.episodeId, alsoWithout.episodeId]]);
  });
});

const DAY = 24 * 3600_000;
const T0 = Date.parse('2026-01-01T10:00:00Z');
const ep = (k: number, day: number, child: object = {}): EpisodeOfChild => ({
  episodeId: `ep-${k}`,
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

  it('counts a repeat whose reports differ in case, accents and hyphens', () => {
    const found = repeatedChildren([ep(1, 0, { givenName: 'ZARA', familyName: 'QUILLBY' }), ep(2, 10, { givenName: 'Zára' }), ep(3, 20, { familyName: 'Quill-by' })], all, end);
    expect(found.map((c) => c.episodes.length)).toEqual([3]);
  });

  it('counts a repeat where the feed sent the person id in some reports only', () => {
    const found = repeatedChildren([ep(1, 0, { policePersonId: 'P-1' }), ep(2, 10), ep(3, 20, { policePersonId: 'P-1', givenName: 'Zarah' })], all, end);
    expect(found.map((c) => c.episodes.length)).toEqual([3]);
  });

  it('does not merge swapped names into one repeat', () => {
    const swapped = { givenName: 'Quillby', familyName: 'Zara' };
    expect(repeatedChildren([ep(1, 0), ep(2, 10), ep(3, 20, swapped)], all, end)).toEqual([]);
  });

  it('lists a repeat completed inside the period, not one completed before it', () => {
    const episodes = [ep(1, 0), ep(2, 10), ep(3, 20)];
    expect(repeatedChildren(episodes, T0 + 15 * DAY, T0 + 30 * DAY)).toHaveLength(1);
    expect(repeatedChildren(episodes, T0 + 21 * DAY, T0 + 30 * DAY)).toEqual([]);
  });
});
