import { describe, expect, it } from 'vitest';
import { buildReport, type ReportDelivery } from '../../../src/reports/report';
import { REPORT_TABLE_NAMES, reportTables, tableCsv } from '../../../src/reports/report-tables';

/* The report's tables, as the page and the CSV downloads carry them. Fictional data. */

const RANGE = { from: '2026-03-01', to: '2026-03-31' };
const NOW = new Date('2026-04-10T12:00:00Z');
const GP = { type: 'gp' as const, id: 'Y90001', name: 'Fictional Kestrel Surgery (sample)' };
const SCHOOL = { type: 'school' as const, id: '990002', name: 'Fictional Curlew Academy (sample)' };

const episode = {
  episodeId: 'ep-1', feedId: 'feed-a', policeReference: 'NP-1', reported: true, state: 'open' as const, openedAt: '2026-03-10T09:00:00Z', risk: 'high' as const,
  missingFrom: 'home' as const, locality: 'Morpeth', foundAt: null, returnInterviewDueAt: null, reportReceivedAt: '2026-03-10T09:00:00Z', child: {},
};
const problem = (organisation: typeof GP | typeof SCHOOL, status: 'failed' | 'bounced', n: number): ReportDelivery => ({
  deliveryId: `d-${n}`, episodeId: 'ep-1', kind: 'alert', audience: 'direct', organisation, contactId: `c-${n}`, contactRole: 'dsl', status,
  lastError: '550 5.1.1 user unknown', updatedAt: '2026-03-10T09:01:00Z', sentAt: status === 'bounced' ? '2026-03-10T09:00:30Z' : null,
  acknowledgedAt: null, escalatedAt: null, ackable: true,
});

describe('report tables', () => {
  const report = buildReport({ episodes: [episode], deliveries: [problem(GP, 'failed', 1), problem(GP, 'bounced', 2), problem(SCHOOL, 'bounced', 3)] }, RANGE, NOW);
  const tables = reportTables(report);

  it('has one table for each name the CSV route accepts', () => {
    expect(tables.map((t) => t.name)).toEqual([...REPORT_TABLE_NAMES]);
  });

  it('gives failed and bounced deliveries by organisation, most problems first', () => {
    const table = tables.find((t) => t.name === 'delivery-problems-by-organisation')!;
    expect(tableCsv(table)).toBe(
      'Organisation,Type,Id,Failed,Bounced\r\n' +
        'Fictional Kestrel Surgery (sample),GP practice,Y90001,1,1\r\n' +
        'Fictional Curlew Academy (sample),School,990002,0,1\r\n',
    );
  });
});
