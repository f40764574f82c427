import { LOCALITIES } from '../../config/localities';
import { SAMPLE_GP_COUNT, SAMPLE_SCHOOL_COUNT } from '../directory/sample-directory';
import { addDays } from './report-range';
import type { Audience } from '../domain/audience';
import type { OrganisationRef } from '../domain/organisation-ref';

/**
 * FICTIONAL SAMPLE HISTORY: a year of missing episodes for the sample directory, so that the
 * reports (SPEC §13) have something to show and their figures are known in advance. Pure and
 * deterministic: the same `until` month gives the same events and the same outcomes.
 *
 * The rules, which the reports test counts against (k = the episode's number, 0-47):
 * - month m (0 = eleven months before `until`) has 3 + (m mod 3) episodes, on days 3, 9, 15, 21, 27 at 10:00 UTC;
 * - locality LOCALITIES[k mod 12] (4 episodes each a year), risk high/medium/low/very_low by k mod 4,
 *   missing from home/care/other by k mod 3;
 * - k mod 4 = 3 is cancelled, the last two episodes stay open, every other is found 6 + (k mod 5) hours later;
 * - the POST comes 20 s after occurredAt; the child's school accepts the alert 20 + 5·(k mod 10) s after the POST;
 * - the child's GP's first contact refuses every message when k mod 8 = 5 (550, a wrong address);
 * - the alert to the child's school's first contact bounces when k mod 16 = 10 (k = 10, 26, 42): accepted, then a DSN
 *   five minutes after the POST (550 5.1.1, user unknown), through the real bounce path; never acknowledged nor escalated;
 * - school contacts acknowledge 10·(1 + k mod 3) minutes after sending, except k mod 6 = 0 (escalated after
 *   an hour, acknowledged late after three) and k mod 6 = 1 (escalated, never acknowledged);
 *   GP contacts acknowledge after 30 minutes when k is even, else are escalated after an hour;
 * - a found child's return home interview is recorded as done 48 hours after found, except when k mod 3 = 2;
 * - repeated children: Avery Ashbrook (policePersonId, once reported as Avery Ashbrook-Lee) at k = 36, 39, 43;
 *   Bryn Blackthorn (by name and date of birth) at k = 7, 8, 12, 15; Élspeth / Elspeth Eskdale (accents do not
 *   count) at k = 31, 32, 33; ORLA / Orla Oxenholt (case does not count) at k = 44, 45, 46. Near misses, never
 *   merged: Carys Coldwater with the names swapped at k = 26; Dorian Dunmere over more than 90 days.
 */

export const SAMPLE_FEED_ID = 'sample-history';
export const SAMPLE_HISTORY_EPISODES = 48;
const RISKS = ['high', 'medium', 'low', 'very_low'] as const;
const MISSING_FROM = ['home', 'care', 'other'] as const;
const GIVEN = ['Fenwick', 'Gwenllian', 'Hollis', 'Isolde', 'Jory', 'Kestrel', 'Linnet', 'Merryn', 'Nyle', 'Peregrine', 'Quilla', 'Rowan', 'Sorrel', 'Tamsin', 'Wren', 'Yarrow', 'Zephyr', 'Briar', 'Cosmo', 'Dune'];
const FAMILY = ['Fairhaugh', 'Glenroyd', 'Hollowmere', 'Ivyhurst', 'Jesmondale', 'Kirkfell', 'Lowmoor', 'Mossbeck', 'Nettlebed', 'Pikestone', 'Quarrybank', 'Redesmouth', 'Sweethope', 'Tarset', 'Ulgham', 'Vindolan', 'Whitfield'];

type SampleChild = { givenName: string; familyName: string; dateOfBirth: string; policePersonId?: string };

/** The repeated and nearly-repeated children, by episode number. */
const CAST: Record<number, SampleChild> = {
  36: { givenName: 'Avery', familyName: 'Ashbrook', dateOfBirth: '2011-02-03', policePersonId: 'NP-PERSON-0001' },
  39: { givenName: 'Avery', familyName: 'Ashbrook-Lee', dateOfBirth: '2011-02-03', policePersonId: 'NP-PERSON-0001' },
  43: { givenName: 'Avery', familyName: 'Ashbrook', dateOfBirth: '2011-02-03', policePersonId: 'NP-PERSON-0001' },
  7: { givenName: 'Bryn', familyName: 'Blackthorn', dateOfBirth: '2012-06-07' },
  8: { givenName: 'Bryn', familyName: 'Blackthorn', dateOfBirth: '2012-06-07' },
  12: { givenName: 'Bryn', familyName: 'Blackthorn', dateOfBirth: '2012-06-07' },
  15: { givenName: 'Bryn', familyName: 'Blackthorn', dateOfBirth: '2012-06-07' },
  24: { givenName: 'Carys', familyName: 'Coldwater', dateOfBirth: '2013-09-10' },
  25: { givenName: 'Carys', familyName: 'Coldwater', dateOfBirth: '2013-09-10' },
  26: { givenName: 'Coldwater', familyName: 'Carys', dateOfBirth: '2013-09-10' },
  1: { givenName: 'Dorian', familyName: 'Dunmere', dateOfBirth: '2010-11-12' },
  5: { givenName: 'Dorian', familyName: 'Dunmere', dateOfBirth: '2010-11-12' },
  19: { givenName: 'Dorian', familyName: 'Dunmere', dateOfBirth: '2010-11-12' },
  31: { givenName: 'Elspeth', familyName: 'Eskdale', dateOfBirth: '2014-01-15' },
  32: { givenName: 'Élspeth', familyName: 'Eskdale', dateOfBirth: '2014-01-15' },
  33: { givenName: 'Elspeth', familyName: 'Eskdale', dateOfBirth: '2014-01-15' },
  44: { givenName: 'Orla', familyName: 'Oxenholt', dateOfBirth: '2012-03-04' },
  45: { givenName: 'ORLA', familyName: 'Oxenholt', dateOfBirth: '2012-03-04' },
  46: { givenName: 'Orla', familyName: 'Oxenholt', dateOfBirth: '2012-03-04' },
};

export type SampleEpisode = {
  k: number;
  policeReference: string;
  occurredAt: string;
  schoolUrn: string;
  gpOdsCode: string;
  closing: { type: 'missing.found' | 'missing.cancelled'; occurredAt: string } | undefined;
};

export type SampleEvent = {
  k: number;
  receivedAt: string;
  body: Record<string, unknown>;
  /** On a found event: when the return home interview is recorded as done, if it is. */
  returnInterviewDoneAt?: string;
};

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The twelve months ending with `until` (YYYY-MM), oldest first. */
export function sampleMonths(until: string): string[] {
  const [y, m] = until.split('-').map(Number) as [number, number];
  return Array.from({ length: 12 }, (_, i) => {
    const index = y * 12 + (m - 1) - 11 + i;
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

/** School n of the sample directory is in locality n mod 12; GP n in (n + 7) mod 12. */
const schoolFor = (k: number) => String(990001 + (k % 12) + 12 * (Math.floor(k / 12) % 12));
const gpFor = (k: number) => `Y${90001 + (((k % 12) + 5) % 12) + 12 * (Math.floor(k / 12) % 3)}`;

export function sampleEpisodes(until: string): SampleEpisode[] {
  const out: SampleEpisode[] = [];
  let k = 0;
  sampleMonths(until).forEach((month, m) => {
    for (let j = 0; j < 3 + (m % 3); j++, k++) {
      const occurredMs = Date.parse(`${month}-${String(3 + j * 6).padStart(2, '0')}T10:00:00Z`);
      const open = k >= SAMPLE_HISTORY_EPISODES - 2;
      out.push({
        k,
        policeReference: `NP-SAMPLE-${month.replace('-', '')}-${String(k).padStart(2, '0')}`,
        occurredAt: iso(occurredMs),
        schoolUrn: schoolFor(k),
        gpOdsCode: gpFor(k),
        closing: open
          ? undefined
          : { type: k % 4 === 3 ? 'missing.cancelled' : 'missing.found', occurredAt: iso(occurredMs + (6 + (k % 5)) * 60 * MINUTE) },
      });
    }
  });
  if (out.length !== SAMPLE_HISTORY_EPISODES || Number(schoolFor(47)) > 990000 + SAMPLE_SCHOOL_COUNT || SAMPLE_GP_COUNT < 36) {
    throw new Error('the sample history no longer fits the sample directory');
  }
  return out;
}

function childOf(k: number): SampleChild {
  return CAST[k] ?? { givenName: GIVEN[k % GIVEN.length]!, familyName: FAMILY[k % FAMILY.length]!, dateOfBirth: addDays('2011-01-01', k * 37) };
}

/** Every event of the sample history in the order it is posted, each with the time of its POST. */
export function sampleHistoryEvents(until: string): SampleEvent[] {
  const events: SampleEvent[] = [];
  for (const e of sampleEpisodes(until)) {
    const locality = LOCALITIES[e.k % LOCALITIES.length]!;
    const child = childOf(e.k);
    const occurredMs = Date.parse(e.occurredAt);
    events.push({
      k: e.k,
      receivedAt: iso(occurredMs + 20_000),
      body: {
        eventId: `sample-${e.k}-report`,
        type: 'missing.reported',
        occurredAt: e.occurredAt,
        policeReference: e.policeReference,
        child: {
          ...child,
          gender: (['female', 'male', 'other', 'unknown'] as const)[e.k % 4],
          schoolUrn: e.schoolUrn,
          gpOdsCode: e.gpOdsCode,
          postcodeDistrict: locality.districts[0],
          lookedAfter: MISSING_FROM[e.k % 3] === 'care',
          description: 'Fictional sample child: medium build, dark coat.',
        },
        risk: RISKS[e.k % 4],
        missingFrom: MISSING_FROM[e.k % 3],
        lastSeen: { at: iso(occurredMs - 60 * MINUTE), area: `${locality.name} town centre` },
        ...(e.k % 5 === 0 ? { concerns: ['cse'] } : {}),
        contact: { name: 'PC Sample Officer', phone: '101', email: 'mispers@police.sample.test' },
      },
    });
    if (e.closing) {
      const foundMs = Date.parse(e.closing.occurredAt) - 10 * MINUTE;
      const interviewDone = e.closing.type === 'missing.found' && e.k % 3 !== 2;
      events.push({
        k: e.k,
        ...(interviewDone ? { returnInterviewDoneAt: iso(foundMs + 48 * 60 * MINUTE) } : {}),
        receivedAt: iso(Date.parse(e.closing.occurredAt) + 20_000),
        body:
          e.closing.type === 'missing.found'
            ? { eventId: `sample-${e.k}-found`, type: 'missing.found', occurredAt: e.closing.occurredAt, policeReference: e.policeReference, foundAt: iso(foundMs) }
            : { eventId: `sample-${e.k}-cancelled`, type: 'missing.cancelled', occurredAt: e.closing.occurredAt, policeReference: e.policeReference, reason: 'Reported in error (fictional).' },
      });
    }
  }
  return events.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

export type SampleOutcome = {
  sentAt: string | null;
  failed: string | null;
  /** When the recipient's server reported the accepted message undeliverable (a DSN). */
  bouncedAt: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
};

/**
 * What became of one delivery. `order` numbers the event's deliveries (direct school contacts
 * first); `contactIndex` is the contact's place in its organisation.
 */
export function sampleOutcome(
  k: number,
  delivery: { kind: string; audience: Audience; organisation: OrganisationRef; ackable: boolean },
  contactIndex: number,
  order: number,
  postedAt: string,
): SampleOutcome {
  const posted = Date.parse(postedAt);
  const direct = delivery.audience === 'direct';
  if (delivery.organisation.type === 'gp' && delivery.organisation.id === gpFor(k) && contactIndex === 0 && k % 8 === 5) {
    return { sentAt: null, failed: `550 5.1.1 <first.contact@gp-${delivery.organisation.id.toLowerCase()}.endeavor.test>: mailbox unavailable`, bouncedAt: null, acknowledgedAt: null, escalatedAt: null };
  }
  const first = delivery.kind === 'alert' ? (20 + 5 * (k % 10)) * 1000 : 30_000;
  const sent = posted + first + order * (direct ? 2_000 : 500) + (direct ? 0 : 120_000);
  const none = { sentAt: iso(sent), failed: null, bouncedAt: null, acknowledgedAt: null, escalatedAt: null };
  if (delivery.kind === 'alert' && direct && delivery.organisation.type === 'school' && contactIndex === 0 && k % 16 === 10) {
    return { ...none, bouncedAt: iso(posted + 5 * MINUTE) };
  }
  if (!delivery.ackable) return none;
  const after = (minutes: number) => iso(sent + minutes * MINUTE);
  if (delivery.organisation.type === 'school') {
    if (k % 6 === 0) return { ...none, escalatedAt: after(60), acknowledgedAt: after(180) };
    if (k % 6 === 1) return { ...none, escalatedAt: after(60) };
    return { ...none, acknowledgedAt: after(10 * (1 + (k % 3))) };
  }
  return k % 2 === 0 ? { ...none, acknowledgedAt: after(30) } : { ...none, escalatedAt: after(60) };
}
