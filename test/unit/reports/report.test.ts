import { describe, expect, it } from 'vitest';
import { buildReport, percentile, scrubAddresses, type ReportDelivery, type ReportEpisode } from '../../../src/reports/report';
import { lastFullMonth, monthsOf, rangeBounds, weeksOf, weekStarting } from '../../../src/reports/report-range';
import { reportSchema } from '../../../src/reports/report.schema';

/* SPEC §13 aggregations on hand-made tables. Fictional data; every instant fixed. */

const NOW = new Date('2026-04-10T12:00:00Z');
const RANGE = { from: '2026-03-01', to: '2026-03-31' };

let n = 0;
function episode(overrides: Partial<ReportEpisode> = {}): ReportEpisode {
  n += 1;
  return {
    episodeId: `ep-${n}`,
    feedId: 'feed-a',
    policeReference: `NP-${n}`,
    reported: true,
    state: 'open',
    openedAt: '2026-03-10T09:00:00Z',
    risk: 'high',
    missingFrom: 'home',
    locality: 'Morpeth',
    foundAt: null,
    returnInterviewDueAt: null,
    returnInterviewDoneAt: null,
    reportReceivedAt: '2026-03-10T09:00:00Z',
    child: { givenName: `Child${n}`, familyName: 'Fictional', dateOfBirth: '2013-05-14' },
    ...overrides,
  };
}
function delivery(episodeId: string, overrides: Partial<ReportDelivery> = {}): ReportDelivery {
  n += 1;
  return {
    deliveryId: `d-${n}`,
    episodeId,
    kind: 'alert',
    audience: 'direct',
    organisation: { type: 'school', id: '990001', name: 'Fictional Fell First School (sample)' },
    contactId: 'c-1',
    contactRole: 'dsl',
    status: 'sent',
    lastError: null,
    updatedAt: '2026-03-10T09:00:30Z',
    sentAt: '2026-03-10T09:00:30Z',
    acknowledgedAt: null,
    escalatedAt: null,
    ackable: true,
    ...overrides,
  };
}

describe('date ranges', () => {
  it('counts whole UK days, summer time included', () => {
    const { fromMs, toMs } = rangeBounds({ from: '2026-06-01', to: '2026-06-30' });
    expect(new Date(fromMs).toISOString()).toBe('2026-05-31T23:00:00.000Z');
    expect(new Date(toMs).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(new Date(rangeBounds({ from: '2026-01-01', to: '2026-01-01' }).toMs).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
  it('defaults to the last full month', () => {
    expect(lastFullMonth(NOW)).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(lastFullMonth(new Date('2026-01-05T00:00:00Z'))).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });
  it('lists every month a range touches, and the Monday of a week', () => {
    expect(monthsOf({ from: '2025-11-15', to: '2026-02-01' })).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(weekStarting('2026-03-15T12:00:00Z')).toBe('2026-03-09');
    expect(weekStarting('2026-03-08T23:30:00Z')).toBe('2026-03-02');
  });
  it('lists the Monday of every week a range touches, empty or not', () => {
    expect(weeksOf({ from: '2026-03-01', to: '2026-03-31' })).toEqual(['2026-02-23', '2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23', '2026-03-30']);
    expect(weeksOf({ from: '2026-03-02', to: '2026-03-02' })).toEqual(['2026-03-02']);
  });
});

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, null],
    [[5], 90, 5],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, 10],
  ])('of %j at p%i is %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('buildReport', () => {
  it('counts episodes of the range by month and locality, risk and missingFrom; not before, after or unreported', () => {
    const episodes = [
      episode({ openedAt: '2026-03-01T00:30:00Z', locality: 'Morpeth' }),
      episode({ openedAt: '2026-03-31T22:30:00Z', locality: 'Morpeth', risk: 'low', missingFrom: 'care' }),
      episode({ locality: null, risk: null, missingFrom: null }),
      episode({ openedAt: '2026-02-28T23:59:00Z' }),
      episode({ openedAt: '2026-04-01T00:00:00Z' }),
      episode({ reported: false }),
    ];
    const report = buildReport({ episodes, deliveries: [] }, RANGE, NOW);
    expect(report.episodes.total).toBe(3);
    expect(report.episodes.months).toEqual(['2026-03']);
    expect(report.episodes.byMonthAndLocality).toEqual([
      { month: '2026-03', locality: 'Morpeth', count: 2 },
      { month: '2026-03', locality: 'Unknown', count: 1 },
    ]);
    expect(report.episodes.byRisk).toEqual([
      { risk: 'high', count: 1 },
      { risk: 'medium', count: 0 },
      { risk: 'low', count: 1 },
      { risk: 'very_low', count: 0 },
      { risk: 'unknown', count: 1 },
    ]);
    expect(report.episodes.byMissingFrom.map((r) => r.count)).toEqual([1, 1, 0, 1]);
    expect(reportSchema.parse(report)).toEqual(report);
  });

  it('measures POST to the first direct SMTP acceptance per episode: p50, p90, max, by week', () => {
    const episodes = Array.from({ length: 10 }, (_, i) => episode({ openedAt: `2026-03-${String(10 + (i % 2) * 7).padStart(2, '0')}T09:00:00Z`, reportReceivedAt: '2026-03-10T09:00:00Z' }));
    const deliveries = episodes.flatMap((e, i) => [
      delivery(e.episodeId, { sentAt: `2026-03-10T09:00:${String(10 + i * 4).padStart(2, '0')}Z` }),
      // A later direct acceptance and an earlier area one do not count.
      delivery(e.episodeId, { sentAt: '2026-03-10T09:59:00Z' }),
      delivery(e.episodeId, { audience: 'area', ackable: false, sentAt: '2026-03-10T09:00:01Z' }),
    ]);
    const unreached = episode();
    deliveries.push(delivery(unreached.episodeId, { status: 'failed', sentAt: null }));
    const report = buildReport({ episodes: [...episodes, unreached], deliveries }, RANGE, NOW);
    expect(report.timeToFirstDirect).toMatchObject({ measured: 10, notReached: 1, noDirectRecipient: 0, p50Seconds: 26, p90Seconds: 42, maxSeconds: 46 });
    // Every week of the range, the empty ones too: a chart over them spaces the weeks by time.
    const empty = (weekStarting: string) => ({ weekStarting, measured: 0, p50Seconds: null, p90Seconds: null });
    expect(report.timeToFirstDirect.byWeek).toEqual([
      empty('2026-02-23'),
      empty('2026-03-02'),
      { weekStarting: '2026-03-09', measured: 5, p50Seconds: 26, p90Seconds: 42 },
      { weekStarting: '2026-03-16', measured: 5, p50Seconds: 30, p90Seconds: 46 },
      empty('2026-03-23'),
      empty('2026-03-30'),
    ]);
  });

  it('counts apart the episodes that had no direct recipient at all, rather than leave them out', () => {
    const reached = episode();
    const nobody = [episode(), episode()];
    const onlyArea = episode();
    const deliveries = [
      delivery(reached.episodeId),
      delivery(onlyArea.episodeId, { audience: 'area', ackable: false }),
    ];
    const ttf = buildReport({ episodes: [reached, ...nobody, onlyArea], deliveries }, RANGE, NOW).timeToFirstDirect;
    expect(ttf).toMatchObject({ measured: 1, notReached: 0, noDirectRecipient: 3 });
  });

  it('gives the acknowledgement rate and median time by organisation, lowest rate first; bounced and unsent not counted', () => {
    const e = episode();
    const school = { type: 'school' as const, id: '990002', name: 'Fictional Curlew Academy (sample)' };
    const gp = { type: 'gp' as const, id: 'Y90001', name: 'Fictional Kestrel Surgery (sample)' };
    const deliveries = [
      delivery(e.episodeId, { organisation: school, acknowledgedAt: '2026-03-10T09:10:30Z' }),
      delivery(e.episodeId, { organisation: school, acknowledgedAt: '2026-03-10T10:00:30Z' }),
      delivery(e.episodeId, { organisation: school }),
      delivery(e.episodeId, { organisation: school, status: 'bounced', acknowledgedAt: null }),
      delivery(e.episodeId, { organisation: gp }),
      delivery(e.episodeId, { organisation: gp, status: 'failed', sentAt: null }),
      delivery(e.episodeId, { organisation: gp, ackable: false, kind: 'update', acknowledgedAt: '2026-03-10T09:01:00Z' }),
    ];
    const { acknowledgements } = buildReport({ episodes: [e], deliveries }, RANGE, NOW);
    expect(acknowledgements).toEqual({
      sent: 4,
      acknowledged: 2,
      rate: 0.5,
      medianSeconds: 600,
      byOrganisation: [
        { organisation: gp, sent: 1, acknowledged: 0, rate: 0, medianSeconds: null },
        { organisation: school, sent: 3, acknowledged: 2, rate: 2 / 3, medianSeconds: 600 },
      ],
    });
  });

  it('lists escalations, and failed and bounced deliveries by organisation and by contact, without addresses', () => {
    const e = episode();
    const gp = { type: 'gp' as const, id: 'Y90001', name: 'Fictional Kestrel Surgery (sample)' };
    const deliveries = [
      delivery(e.episodeId, { escalatedAt: '2026-03-10T11:00:00Z' }),
      delivery(e.episodeId, { organisation: gp, contactId: 'c-9', contactRole: 'practice_manager', status: 'failed', sentAt: null, lastError: '550 5.1.1 <nobody@gp.endeavor.test>: user unknown', updatedAt: '2026-03-10T09:01:00Z' }),
      delivery(e.episodeId, { organisation: gp, contactId: 'c-9', contactRole: 'practice_manager', status: 'bounced', lastError: 'mailbox full for x@y.test', updatedAt: '2026-03-11T09:01:00Z' }),
    ];
    const report = buildReport({ episodes: [e], deliveries }, RANGE, NOW);
    expect(report.escalations.total).toBe(1);
    expect(report.deliveryProblems).toEqual({
      failed: 1,
      bounced: 1,
      byOrganisation: [{ organisation: gp, failed: 1, bounced: 1 }],
      contacts: [{ organisation: gp, contactId: 'c-9', role: 'practice_manager', failed: 1, bounced: 1, lastError: 'mailbox full for [address]', lastAt: '2026-03-11T09:01:00Z' }],
    });
    expect(scrubAddresses('550 <a.b@c.test> and d@e.test')).toBe('550 <[address]> and [address]');
  });

  it('counts the return interviews due in the range, those recorded as done, and those overdue at now', () => {
    const found = (foundAt: string, returnInterviewDueAt: string, returnInterviewDoneAt: string | null = null, openedAt = '2026-03-01T09:00:00Z') =>
      episode({ state: 'found', openedAt, foundAt, returnInterviewDueAt, returnInterviewDoneAt });
    const now = new Date('2026-03-20T12:00:00Z');
    const episodes = [
      found('2026-03-10T10:00:00Z', '2026-03-13T10:00:00Z'),
      found('2026-03-11T10:00:00Z', '2026-03-14T10:00:00Z', '2026-03-13T15:00:00Z'),
      // Done after the due time: done, not overdue.
      found('2026-03-12T10:00:00Z', '2026-03-15T10:00:00Z', '2026-03-19T15:00:00Z'),
      // Due after now: not overdue yet.
      found('2026-03-19T10:00:00Z', '2026-03-22T10:00:00Z'),
      // Opened before the range, due inside it: counted.
      found('2026-02-27T10:00:00Z', '2026-03-02T10:00:00Z', null, '2026-02-26T09:00:00Z'),
      // Due after the range: not counted, though opened in it.
      found('2026-03-30T10:00:00Z', '2026-04-02T10:00:00Z'),
      episode({ state: 'cancelled' }),
      episode({ state: 'found', foundAt: '2026-03-10T10:00:00Z', returnInterviewDueAt: '2026-03-13T10:00:00Z', reported: false }),
    ];
    expect(buildReport({ episodes, deliveries: [] }, RANGE, now).returnInterviews).toEqual({ due: 5, done: 2, overdue: 2 });
  });

  it('counts repeated children (3 in 90 days) completed in the range, looking back before it, and never names them', () => {
    const child = { givenName: 'Repeatchild', familyName: 'Fictional', dateOfBirth: '2012-01-01' };
    const episodes = [
      episode({ openedAt: '2026-01-20T09:00:00Z', child }),
      episode({ openedAt: '2026-02-20T09:00:00Z', child }),
      episode({ openedAt: '2026-03-05T09:00:00Z', child }),
    ];
    const report = buildReport({ episodes, deliveries: [] }, RANGE, NOW);
    expect(report.repeatedChildren).toEqual({ children: 1, episodes: 3 });
    expect(JSON.stringify(report)).not.toContain('Repeatchild');
  });
});

describe('the live board marks a repeated child', () => {
  it('counts the episodes of children with 3 or more in the last 90 days, and no one else', async () => {
    const { repeatEpisodeCounts } = await import('../../../src/reports/report');
    const child = { givenName: 'Repeatchild', familyName: 'Fictional', dateOfBirth: '2012-01-01' };
    const repeated = [episode({ child }), episode({ child }), episode({ child, state: 'open' })];
    const other = [episode({ child: { ...child, givenName: 'Fictional', familyName: 'Repeatchild' } }), episode({ child: { ...child, dateOfBirth: '2012-01-02' } })];
    const counts = repeatEpisodeCounts([...repeated, ...other]);
    expect([...counts]).toEqual(repeated.map((e) => [e.episodeId, 3]));
  });

  it('shows the mark beside the police reference', async () => {
    const { boardRowView } = await import('../../../src/dashboard/views/board');
    const { buildBoard } = await import('../../../src/dashboard/board');
    const summary = {
      episodeId: 'ep_1', feedId: 'f', policeReference: 'NP-1', state: 'open' as const, risk: 'high' as const, openedAt: '2026-03-10T09:00:00Z', closedAt: null,
      foundAt: null, returnInterviewDueAt: null, unroutable: [],
      counts: { deliveries: 0, reached: 0, failed: 0, pending: 0, acknowledged: 0, escalated: 0, directAlerts: 0, directAcknowledged: 0 },
    };
    const board = buildBoard([summary, { ...summary, episodeId: 'ep_2', policeReference: 'NP-2' }], NOW, new Map([['ep_1', 3]]));
    expect(boardRowView(board.episodes.find((r) => r.episodeId === 'ep_1')!).value).toContain('Repeat: 3 in 90 days');
    expect(boardRowView(board.episodes.find((r) => r.episodeId === 'ep_2')!).value).not.toContain('Repeat');
  });
});
