import { londonDate } from '../domain/london-time';
import type { Report } from './report.schema';
import { monthsOf, rangeBounds, weeksOf, weekStarting, type DateRange } from './report-range';
import { repeatedChildren, type ChildIdentity, type RepeatedChild } from './repeat-children';
import type { OrganisationRef } from '../domain/organisation-ref';
import type { Audience, MessageKind } from '../domain/audience';
import type { EpisodeState } from '../domain/episode-state';

/**
 * SPEC §13: the partnership's figures, as pure aggregations over hand-made or loaded tables.
 * No I/O and no clock: `now` is an argument. Only the repeated-children list carries names;
 * every other figure counts.
 */

/** Delivery statuses as the reports read them: `bounced` (SPEC §6) is final like `failed`. */
export type ReportDeliveryStatus = 'pending' | 'sending' | 'sent' | 'retrying' | 'failed' | 'superseded' | 'bounced';
/** An organisation as a report names it. */
export type NamedOrganisation = OrganisationRef & { name: string };

export type ReportEpisode = {
  episodeId: string;
  feedId: string;
  policeReference: string;
  /** False for an episode whose `missing.reported` has not arrived: not counted. */
  reported: boolean;
  state: EpisodeState;
  openedAt: string;
  risk: 'very_low' | 'low' | 'medium' | 'high' | null;
  missingFrom: 'home' | 'care' | 'other' | null;
  locality: string | null;
  foundAt: string | null;
  returnInterviewDueAt: string | null;
  /**
   * When a dashboard user recorded the return home interview as done (the episode store keeps
   * it beside the record); absent or null when nobody has.
   */
  returnInterviewDoneAt?: string | null;
  /** When intake accepted the `missing.reported` event (the POST). */
  reportReceivedAt: string | null;
  child: Omit<ChildIdentity, 'feedId'>;
};

export type ReportDelivery = {
  deliveryId: string;
  episodeId: string;
  kind: MessageKind;
  audience: Audience;
  organisation: NamedOrganisation;
  contactId: string;
  contactRole: string;
  status: ReportDeliveryStatus;
  lastError: string | null;
  updatedAt: string;
  sentAt: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  ackable: boolean;
};

export type ReportInput = {
  /** The range's episodes, and the earlier ones (up to 90 days before) of the same children: the repeats look back that far. */
  episodes: readonly ReportEpisode[];
  /** The deliveries of the episodes opened in the range. */
  deliveries: readonly ReportDelivery[];
};

const RISKS = ['high', 'medium', 'low', 'very_low'] as const;
const MISSING_FROM = ['home', 'care', 'other'] as const;
export const UNKNOWN_LOCALITY = 'Unknown';

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const sortNumbers = (values: number[]) => [...values].sort((a, b) => a - b);
const secondsBetween = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

const EMAIL = /[^\s<>()"',;:@]+@[^\s<>()"',;:]+/g;
/** An SMTP error as kept, without the addresses it may quote (they are contacts' personal data). */
export const scrubAddresses = (error: string | null) => (error === null ? null : error.replace(EMAIL, '[address]'));

const orgKey = (o: NamedOrganisation) => `${o.type}:${o.id}`;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Episodes of the range that count: reported, opened in [from, to). */
export function episodesInRange(episodes: readonly ReportEpisode[], range: DateRange): ReportEpisode[] {
  const { fromMs, toMs } = rangeBounds(range);
  return episodes.filter((e) => e.reported && Date.parse(e.openedAt) >= fromMs && Date.parse(e.openedAt) < toMs);
}

/** The children with repeated episodes that completed in the range: personal data, for the audited list only. */
export function repeatedChildrenOf(episodes: readonly ReportEpisode[], range: DateRange): RepeatedChild<ReportEpisode & { child: ChildIdentity }>[] {
  const { fromMs, toMs } = rangeBounds(range);
  const withFeed = episodes.filter((e) => e.reported).map((e) => ({ ...e, child: { ...e.child, feedId: e.feedId } }));
  return repeatedChildren(withFeed, fromMs, toMs);
}

/**
 * For the live board: each episode of the last 90 days whose child has 3 or more episodes in
 * that time, with the count. `recent` = the episodes opened in the 90 days up to now.
 */
export function repeatEpisodeCounts(recent: readonly ReportEpisode[]): Map<string, number> {
  const withFeed = recent.filter((e) => e.reported).map((e) => ({ ...e, child: { ...e.child, feedId: e.feedId } }));
  const counts = new Map<string, number>();
  for (const child of repeatedChildren(withFeed, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)) {
    for (const e of child.episodes) counts.set(e.episodeId, child.episodes.length);
  }
  return counts;
}

/** Time from the POST of the report to the first direct SMTP acceptance of its alert, per episode. */
function timesToFirstDirect(episodes: readonly ReportEpisode[], deliveries: readonly ReportDelivery[]) {
  const directAlerts = groupBy(
    deliveries.filter((d) => d.audience === 'direct' && d.kind === 'alert'),
    (d) => d.episodeId,
  );
  const measured: { episode: ReportEpisode; seconds: number }[] = [];
  let notReached = 0;
  let noDirectRecipient = 0;
  for (const episode of episodes) {
    const direct = directAlerts.get(episode.episodeId) ?? [];
    if (direct.length === 0) {
      noDirectRecipient += 1;
      continue;
    }
    if (!episode.reportReceivedAt) continue;
    const sent = direct.flatMap((d) => (d.sentAt ? [Date.parse(d.sentAt)] : []));
    if (sent.length === 0) {
      notReached += 1;
      continue;
    }
    measured.push({ episode, seconds: secondsBetween(episode.reportReceivedAt, new Date(Math.min(...sent)).toISOString()) });
  }
  return { measured, notReached, noDirectRecipient };
}

/** Builds every aggregate figure of SPEC §13 for a range. */
export function buildReport(input: ReportInput, range: DateRange, now: Date): Report {
  const episodes = episodesInRange(input.episodes, range);
  const ids = new Set(episodes.map((e) => e.episodeId));
  const deliveries = input.deliveries.filter((d) => ids.has(d.episodeId));
  const repeated = repeatedChildrenOf(input.episodes, range);
  return {
    from: range.from,
    to: range.to,
    generatedAt: now.toISOString(),
    episodes: episodeFigures(episodes, range),
    repeatedChildren: { children: repeated.length, episodes: repeated.reduce((n, r) => n + r.episodes.length, 0) },
    timeToFirstDirect: timeToFirstDirectFigures(episodes, deliveries, range),
    acknowledgements: acknowledgementFigures(deliveries),
    escalations: escalationFigures(deliveries),
    deliveryProblems: deliveryProblemFigures(deliveries),
    returnInterviews: returnInterviewFigures(input.episodes, range, now),
  };
}

function episodeFigures(episodes: readonly ReportEpisode[], range: DateRange): Report['episodes'] {
  const byMonthAndLocality = [...groupBy(episodes, (e) => `${londonDate(new Date(e.openedAt)).slice(0, 7)}|${e.locality ?? UNKNOWN_LOCALITY}`)]
    .map(([k, list]) => {
      const [month, locality] = k.split('|') as [string, string];
      return { month, locality, count: list.length };
    })
    .sort((a, b) => a.month.localeCompare(b.month) || a.locality.localeCompare(b.locality));
  return {
    total: episodes.length,
    months: monthsOf(range),
    byMonthAndLocality,
    byRisk: [...RISKS, 'unknown' as const].map((risk) => ({ risk, count: episodes.filter((e) => (e.risk ?? 'unknown') === risk).length })),
    byMissingFrom: [...MISSING_FROM, 'unknown' as const].map((missingFrom) => ({
      missingFrom,
      count: episodes.filter((e) => (e.missingFrom ?? 'unknown') === missingFrom).length,
    })),
  };
}

function timeToFirstDirectFigures(episodes: readonly ReportEpisode[], deliveries: readonly ReportDelivery[], range: DateRange): Report['timeToFirstDirect'] {
  const times = timesToFirstDirect(episodes, deliveries);
  const allSeconds = sortNumbers(times.measured.map((m) => m.seconds));
  const weeks = groupBy(times.measured, (m) => weekStarting(m.episode.openedAt));
  // Every week of the range, the empty ones too, so that a chart over them spaces weeks by time.
  const byWeek = weeksOf(range).map((weekStarting) => {
    const s = sortNumbers((weeks.get(weekStarting) ?? []).map((m) => m.seconds));
    return { weekStarting, measured: s.length, p50Seconds: percentile(s, 50), p90Seconds: percentile(s, 90) };
  });
  return {
    measured: allSeconds.length,
    notReached: times.notReached,
    noDirectRecipient: times.noDirectRecipient,
    p50Seconds: percentile(allSeconds, 50),
    p90Seconds: percentile(allSeconds, 90),
    maxSeconds: allSeconds.at(-1) ?? null,
    byWeek,
  };
}

function acknowledgementFigures(deliveries: readonly ReportDelivery[]): Report['acknowledgements'] {
  // Acknowledgement: the first direct message to a contact that its server accepted (a bounce never arrived).
  const ackable = deliveries.filter((d) => d.ackable && d.sentAt !== null && d.status !== 'bounced');
  const ackSeconds = (list: readonly ReportDelivery[]) =>
    sortNumbers(list.flatMap((d) => (d.acknowledgedAt ? [secondsBetween(d.sentAt!, d.acknowledgedAt)] : [])));
  const byOrganisation = [...groupBy(ackable, (d) => orgKey(d.organisation)).values()]
    .map((list) => {
      const acknowledged = list.filter((d) => d.acknowledgedAt !== null).length;
      return { organisation: list[0]!.organisation, sent: list.length, acknowledged, rate: acknowledged / list.length, medianSeconds: percentile(ackSeconds(list), 50) };
    })
    .sort((a, b) => a.rate - b.rate || b.sent - a.sent || a.organisation.name.localeCompare(b.organisation.name));
  const acknowledged = ackable.filter((d) => d.acknowledgedAt !== null).length;
  return {
    sent: ackable.length,
    acknowledged,
    rate: ackable.length === 0 ? null : acknowledged / ackable.length,
    medianSeconds: percentile(ackSeconds(ackable), 50),
    byOrganisation,
  };
}

function escalationFigures(deliveries: readonly ReportDelivery[]): Report['escalations'] {
  const escalated = deliveries.filter((d) => d.escalatedAt !== null);
  return {
    total: escalated.length,
    byOrganisation: [...groupBy(escalated, (d) => orgKey(d.organisation)).values()]
      .map((list) => ({ organisation: list[0]!.organisation, count: list.length }))
      .sort((a, b) => b.count - a.count || a.organisation.name.localeCompare(b.organisation.name)),
  };
}

const countStatus = (list: readonly ReportDelivery[], status: ReportDeliveryStatus) => list.filter((d) => d.status === status).length;

function deliveryProblemFigures(deliveries: readonly ReportDelivery[]): Report['deliveryProblems'] {
  const problems = deliveries.filter((d) => d.status === 'failed' || d.status === 'bounced');
  return {
    failed: countStatus(problems, 'failed'),
    bounced: countStatus(problems, 'bounced'),
    byOrganisation: [...groupBy(problems, (d) => orgKey(d.organisation)).values()]
      .map((list) => ({ organisation: list[0]!.organisation, failed: countStatus(list, 'failed'), bounced: countStatus(list, 'bounced') }))
      .sort((a, b) => b.failed + b.bounced - (a.failed + a.bounced) || a.organisation.name.localeCompare(b.organisation.name)),
    contacts: [...groupBy(problems, (d) => `${orgKey(d.organisation)}:${d.contactId}`).values()]
      .map((list) => {
        const last = [...list].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]!;
        return {
          organisation: last.organisation,
          contactId: last.contactId,
          role: last.contactRole,
          failed: countStatus(list, 'failed'),
          bounced: countStatus(list, 'bounced'),
          lastError: scrubAddresses(last.lastError),
          lastAt: last.updatedAt,
        };
      })
      .sort((a, b) => b.lastAt.localeCompare(a.lastAt)),
  };
}

/**
 * The return home interviews that fall due in the range (by `returnInterviewDueAt`, whenever the
 * episode opened), those recorded as done, and those overdue: due time passed at `now`, not done.
 */
function returnInterviewFigures(episodes: readonly ReportEpisode[], range: DateRange, now: Date): Report['returnInterviews'] {
  const { fromMs, toMs } = rangeBounds(range);
  const due = episodes.filter((e) => {
    const dueMs = e.returnInterviewDueAt ? Date.parse(e.returnInterviewDueAt) : Number.NaN;
    return e.reported && e.state === 'found' && dueMs >= fromMs && dueMs < toMs;
  });
  const done = due.filter((e) => e.returnInterviewDoneAt).length;
  const overdue = due.filter((e) => !e.returnInterviewDoneAt && Date.parse(e.returnInterviewDueAt!) <= now.getTime()).length;
  return { due: due.length, done, overdue };
}
