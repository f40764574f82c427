import { LOCALITIES } from '../../../config/localities';
import { sampleDirectory } from '../../../src/directory/sample-directory';
import type { Organisation } from '../../../src/directory/organisation';
import { sampleEpisodes } from '../../../src/reports/sample-history';

/*
 * What the reports must say about the sample history, worked out from the rules written at the
 * top of src/reports/sample-history.ts and nothing else: the schedule (sampleEpisodes) and the
 * sample directory's contacts are the seed's definition; every outcome below follows a rule of
 * that comment, and nothing here calls the report code.
 */

export const UNTIL = '2026-10';
const MINUTE = 60;
const directory = new Map(sampleDirectory(new Date(0)).map((o) => [`${o.type}:${o.id}`, o]));

/** One direct alert: to a contact of the child's own school or GP. */
type Alert = { k: number; organisation: Organisation; contactIndex: number; sent: boolean; bounced: boolean; ackSeconds: number | null; escalated: boolean };

function alertsOf(k: number, schoolUrn: string, gpOdsCode: string): Alert[] {
  const school = directory.get(`school:${schoolUrn}`)!;
  const gp = directory.get(`gp:${gpOdsCode}`)!;
  const toSchool = school.contacts.map((_, contactIndex) => {
    // k mod 16 = 10: the first contact's alert bounces (no acknowledgement, no escalation).
    const bounced = k % 16 === 10 && contactIndex === 0;
    // k mod 6 = 1: never acknowledged (escalated); k mod 6 = 0: escalated, acknowledged after three hours; else 10·(1 + k mod 3) minutes.
    const ackSeconds = bounced || k % 6 === 1 ? null : k % 6 === 0 ? 180 * MINUTE : 10 * (1 + (k % 3)) * MINUTE;
    return { k, organisation: school, contactIndex, sent: true, bounced, ackSeconds, escalated: !bounced && k % 6 <= 1 };
  });
  const toGp = gp.contacts.map((_, contactIndex) => {
    // k mod 8 = 5: the first contact refuses (failed: never sent); even k acknowledge after 30 minutes, odd k are escalated.
    const sent = !(k % 8 === 5 && contactIndex === 0);
    return { k, organisation: gp, contactIndex, sent, bounced: false, ackSeconds: sent && k % 2 === 0 ? 30 * MINUTE : null, escalated: sent && k % 2 === 1 };
  });
  return [...toSchool, ...toGp];
}

/** Nearest rank, the definition the README gives. */
const nearestRank = (sorted: readonly number[], p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
const ascending = (a: number, b: number) => a - b;

export type OrganisationFigures = { organisation: Organisation; sent: number; acknowledged: number; ackSeconds: number[]; escalations: number; failed: number; bounced: number };

/** The figures for the episodes opened from `from` to `to` (whole days; every sample episode opens at 10:00 UTC). */
export function seedFigures(range: { from: string; to: string }, now: Date) {
  const all = sampleEpisodes(UNTIL);
  const episodes = all.filter((e) => e.occurredAt.slice(0, 10) >= range.from && e.occurredAt.slice(0, 10) <= range.to);
  const alerts = episodes.flatMap((e) => alertsOf(e.k, e.schoolUrn, e.gpOdsCode));
  // The child's school accepts the alert 20 + 5·(k mod 10) s after the POST.
  const toSchool = episodes.map((e) => 20 + 5 * (e.k % 10)).sort(ascending);
  const ackable = alerts.filter((a) => a.sent && !a.bounced);
  const ackSeconds = ackable.flatMap((a) => (a.ackSeconds === null ? [] : [a.ackSeconds])).sort(ascending);

  const byOrganisation = new Map<string, OrganisationFigures>();
  for (const a of alerts) {
    const key = `${a.organisation.type}:${a.organisation.id}`;
    const o = byOrganisation.get(key) ?? { organisation: a.organisation, sent: 0, acknowledged: 0, ackSeconds: [], escalations: 0, failed: 0, bounced: 0 };
    if (a.sent && !a.bounced) o.sent += 1;
    if (a.ackSeconds !== null) {
      o.acknowledged += 1;
      o.ackSeconds.push(a.ackSeconds);
    }
    o.escalations += a.escalated ? 1 : 0;
    o.failed += a.sent ? 0 : 1;
    o.bounced += a.bounced ? 1 : 0;
    byOrganisation.set(key, o);
  }

  // Found (k mod 4 ≠ 3, all but the last two) at the closing time less 10 minutes; due 72 hours later,
  // in the range by its own date; recorded as done 48 hours after found unless k mod 3 = 2.
  const due = all
    .filter((e) => e.closing?.type === 'missing.found')
    .map((e) => ({ k: e.k, dueMs: Date.parse(e.closing!.occurredAt) - 10 * 60_000 + 72 * 3600_000 }))
    .filter((e) => {
      const day = new Date(e.dueMs).toISOString().slice(0, 10);
      return day >= range.from && day <= range.to;
    });
  const done = due.filter((e) => e.k % 3 !== 2);

  return {
    episodes,
    timeToSchool: { measured: toSchool.length, p50: nearestRank(toSchool, 50), p90: nearestRank(toSchool, 90), max: toSchool.at(-1)! },
    acknowledgements: { sent: ackable.length, acknowledged: ackSeconds.length, medianSeconds: nearestRank(ackSeconds, 50) },
    escalations: alerts.filter((a) => a.escalated).length,
    failed: alerts.filter((a) => !a.sent).length,
    bounced: alerts.filter((a) => a.bounced).length,
    bouncedAlerts: alerts.filter((a) => a.bounced),
    returnInterviews: { due: due.length, done: done.length, overdue: due.filter((e) => e.k % 3 === 2 && e.dueMs <= now.getTime()).length },
    byOrganisation,
    /** Localities by name, and how many episodes each month had in each. */
    byMonthAndLocality: (month: string) => {
      const names = LOCALITIES.map((l) => l.name).sort();
      const ofMonth = episodes.filter((e) => e.occurredAt.startsWith(month));
      return names.map((name) => ofMonth.filter((e) => LOCALITIES[e.k % LOCALITIES.length]!.name === name).length);
    },
  };
}

/** A rate and a median as the tables write them: percent to one place, minutes to one place. */
export const percentCell = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;
export const minutesCell = (seconds: number) => Math.round(seconds / 6) / 10;
export const median = (values: readonly number[]) => nearestRank([...values].sort(ascending), 50);
