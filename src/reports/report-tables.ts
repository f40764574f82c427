import { csvCell } from '../delivery/deliveries-csv';
import type { Report } from './report.schema';

/**
 * The report's tables, defined once: the page shows them beside the charts and the CSV
 * downloads carry the same rows. Aggregates only: no table here names a child or a contact.
 */
export type Cell = string | number | null;
export type ReportTable = { name: string; caption: string; columns: string[]; rows: Cell[][] };

const RISK_LABEL: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low', very_low: 'Very low', unknown: 'Not given' };
const FROM_LABEL: Record<string, string> = { home: 'Home', care: 'Care', other: 'Other', unknown: 'Not given' };
const ORG_TYPE: Record<string, string> = { school: 'School', gp: 'GP practice' };
const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);

/** Localities that have at least one episode in the range, by name. */
export const localitiesOf = (report: Report) => [...new Set(report.episodes.byMonthAndLocality.map((r) => r.locality))].sort();

export function reportTables(report: Report): ReportTable[] {
  const localities = localitiesOf(report);
  const count = (month: string, locality: string) => report.episodes.byMonthAndLocality.find((r) => r.month === month && r.locality === locality)?.count ?? 0;
  return [
    {
      name: 'episodes-by-month-and-locality',
      caption: 'Episodes by month and locality',
      columns: ['Month', ...localities, 'Total'],
      rows: report.episodes.months.map((m) => [m, ...localities.map((l) => count(m, l)), localities.reduce((n, l) => n + count(m, l), 0)]),
    },
    { name: 'episodes-by-risk', caption: 'Episodes by risk', columns: ['Risk', 'Episodes'], rows: report.episodes.byRisk.map((r) => [RISK_LABEL[r.risk]!, r.count]) },
    {
      name: 'episodes-by-missing-from',
      caption: 'Episodes by where the child was missing from',
      columns: ['Missing from', 'Episodes'],
      rows: report.episodes.byMissingFrom.map((r) => [FROM_LABEL[r.missingFrom]!, r.count]),
    },
    {
      name: 'time-to-school-by-week',
      caption: 'Time from the police report to the first direct email accepted, by week',
      columns: ['Week starting', 'Episodes measured', 'Median (s)', '90th percentile (s)'],
      rows: report.timeToFirstDirect.byWeek.map((w) => [w.weekStarting, w.measured, w.p50Seconds, w.p90Seconds]),
    },
    {
      name: 'acknowledgements-by-organisation',
      caption: 'Acknowledgement by organisation, lowest rate first',
      columns: ['Organisation', 'Type', 'Id', 'Alerts sent', 'Acknowledged', 'Rate (%)', 'Median time to acknowledge (min)'],
      rows: report.acknowledgements.byOrganisation.map((o) => [
        o.organisation.name, ORG_TYPE[o.organisation.type]!, o.organisation.id, o.sent, o.acknowledged, percent(o.rate),
        o.medianSeconds === null ? null : Math.round(o.medianSeconds / 6) / 10,
      ]),
    },
    {
      name: 'escalations-by-organisation',
      caption: 'Escalations by organisation',
      columns: ['Organisation', 'Type', 'Id', 'Escalations'],
      rows: report.escalations.byOrganisation.map((o) => [o.organisation.name, ORG_TYPE[o.organisation.type]!, o.organisation.id, o.count]),
    },
    {
      name: 'delivery-problems-by-organisation',
      caption: 'Failed and bounced deliveries by organisation',
      columns: ['Organisation', 'Type', 'Id', 'Failed', 'Bounced'],
      rows: report.deliveryProblems.byOrganisation.map((o) => [o.organisation.name, ORG_TYPE[o.organisation.type]!, o.organisation.id, o.failed, o.bounced]),
    },
    {
      name: 'contacts-to-correct',
      caption: 'Failed and bounced deliveries by contact: contacts to correct',
      columns: ['Organisation', 'Type', 'Id', 'Contact role', 'Contact id', 'Failed', 'Bounced', 'Last error', 'Last at'],
      rows: report.deliveryProblems.contacts.map((c) => [
        c.organisation.name, ORG_TYPE[c.organisation.type]!, c.organisation.id, c.role, c.contactId, c.failed, c.bounced, c.lastError, c.lastAt,
      ]),
    },
  ];
}

export const REPORT_TABLE_NAMES = [
  'episodes-by-month-and-locality', 'episodes-by-risk', 'episodes-by-missing-from', 'time-to-school-by-week', 'acknowledgements-by-organisation',
  'escalations-by-organisation', 'delivery-problems-by-organisation', 'contacts-to-correct',
] as const;

export function tableCsv(table: ReportTable): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
