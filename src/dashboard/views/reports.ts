import { ageInYears, londonDate } from '../../domain/london-time';
import { Html, html } from '../../platform/html';
import type { ReportEpisode } from '../../reports/report';
import type { Report } from '../../reports/report.schema';
import { localitiesOf, reportTables, type Cell, type ReportTable } from '../../reports/report-tables';
import type { DateRange } from '../../reports/report-range';
import type { ChildIdentity, RepeatedChild } from '../../reports/repeat-children';
import { horizontalBarChart, lineChart, stackedBarChart } from './charts';
import { statusTag, time } from './common';
import { formatDate } from '../../delivery/message-words';

/** SPEC §13: the partnership's report page. Counts only: the one list with names is on its own, audited page. */

const query = (range: DateRange) => `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
const minutes = (s: number | null) => (s === null ? '–' : s < 120 ? `${s} s` : `${Math.round(s / 60)} min`);
const pct = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`);
const ACK_CHART_ROWS = 15;
const LONG_TABLE_ROWS = 12;
/** More columns than fit across a printed page with their headings written across. */
const WIDE_TABLE_COLUMNS = 8;
/** Many columns of figures only (a column a locality): printed with its headings running upwards. */
const isWide = (table: ReportTable) => table.columns.length > WIDE_TABLE_COLUMNS && table.rows.every((row) => row.slice(1).every((cell) => typeof cell === 'number'));

export type ReportsPage = { report: Report | undefined; range: DateRange; errors?: { path: string; message: string }[] };

function rangeForm(page: ReportsPage): Html {
  const error = (field: string) => page.errors?.find((e) => e.path === field);
  const input = (field: 'from' | 'to', label: string) => {
    const e = error(field);
    return html`<div><label for="${field}">${label}</label>${e ? html`<p class="error-text" id="${field}-error">${e.message}</p>` : ''}<input type="date" id="${field}" name="${field}" value="${page.range[field]}" required${e ? html` aria-invalid="true" aria-describedby="${field}-error"` : ''}></div>`;
  };
  return html`${
    page.errors?.length
      ? html`<div class="error-summary" role="alert"><h2>There is a problem</h2><ul>${page.errors.map((e) => html`<li><a href="#${e.path === 'from' ? 'from' : 'to'}">${e.path === 'from' ? 'From' : 'To'}: ${e.message}</a></li>`)}</ul></div>`
      : ''
  }
<form class="filters report-range" method="get" action="/dashboard/reports">
  ${input('from', 'From (first day)')}
  ${input('to', 'To (last day)')}
  <button class="button" type="submit">Show report</button>
</form>`;
}

function tableView(table: ReportTable, range: DateRange, cell: (row: Cell[], i: number) => Html | Cell = (row, i) => row[i] ?? null): Html {
  const show = (v: Html | Cell) => (v instanceof Html ? v : v === null ? html`<span class="none">–</span>` : html`${v}`);
  const body =
    table.rows.length === 0
      ? html`<tr><td colspan="${table.columns.length}">Nothing in this period.</td></tr>`
      : table.rows.map((row) => html`<tr>${table.columns.map((_, i) => (i === 0 ? html`<th scope="row">${show(cell(row, i))}</th>` : html`<td>${show(cell(row, i))}</td>`))}</tr>`);
  const tableHtml = html`<div class="table-scroll" role="region" aria-labelledby="${table.name}-caption" tabindex="0">
<table class="report-table${isWide(table) ? ' wide' : ''}">
  <caption id="${table.name}-caption">${table.caption}</caption>
  <thead><tr>${table.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
  <tbody>${body}</tbody>
</table></div>`;
  // A long table sits behind its chart or summary: one click shows every row.
  return html`${table.rows.length > LONG_TABLE_ROWS ? html`<details class="report-details"><summary>Show the table: ${table.caption} (${table.rows.length} rows)</summary>${tableHtml}</details>` : tableHtml}
<p class="csv-link"><a href="/dashboard/reports/${table.name}.csv?${query(range)}" download>Download this table (CSV)<span class="visually-hidden">: ${table.caption}</span></a></p>`;
}

function episodesChart(report: Report, range: DateRange): Html {
  const localities = localitiesOf(report);
  return stackedBarChart(
    'chart-episodes',
    'Episodes by month and locality',
    `${report.episodes.total} episodes from ${range.from} to ${range.to}, one bar a month, divided by locality. The table below gives every figure.`,
    {
      categories: report.episodes.months,
      series: localities.map((l) => ({ name: l, values: report.episodes.months.map((m) => report.episodes.byMonthAndLocality.find((r) => r.month === m && r.locality === l)?.count ?? 0) })),
    },
    'Episodes',
  );
}

function timeChart(ttf: Report['timeToFirstDirect']): Html {
  return lineChart(
    'chart-time',
    'Time from the police report to the first direct email accepted, by week',
    `Median and 90th percentile in seconds for each week, weeks spaced by time; a week with no episode is a gap in the lines. Over the period the median was ${minutes(ttf.p50Seconds)}, the 90th percentile ${minutes(ttf.p90Seconds)} and the longest ${minutes(ttf.maxSeconds)}. The table below gives every week.`,
    {
      points: ttf.byWeek.map((w) => w.weekStarting.slice(5)),
      series: [
        { name: 'Median', values: ttf.byWeek.map((w) => w.p50Seconds) },
        { name: '90th percentile', values: ttf.byWeek.map((w) => w.p90Seconds), dashed: true },
      ],
    },
    'Seconds',
  );
}

function acknowledgementChart(lowest: Report['acknowledgements']['byOrganisation']): Html {
  return horizontalBarChart(
    'chart-ack',
    `Acknowledgement rate by organisation, the ${lowest.length} lowest`,
    `Share of direct alerts acknowledged, lowest first: ${lowest.slice(0, 3).map((o) => `${o.organisation.name} ${pct(o.rate)}`).join('; ')}${lowest.length > 3 ? '; and so on' : ''}. The table below gives every organisation.`,
    lowest.map((o) => ({ label: o.organisation.name, value: o.rate, text: `${pct(o.rate)} of ${o.sent}` })),
    1,
  );
}

/** Episodes left out of the time to school because nobody was to be told directly: said, never silent. */
const noDirect = (n: number) => (n === 0 ? '0 episodes had no direct recipient' : html`<strong class="alarm">${n} ${n === 1 ? 'episode' : 'episodes'} had no direct recipient</strong>`);

/** A chart in its own region: on a narrow screen it keeps a legible size and scrolls sideways (the page does not). */
const chartFigure = (id: string, chart: Html) =>
  html`<figure class="report-chart"><div class="chart-scroll" role="region" aria-labelledby="${id}-title" tabindex="0">${chart}</div></figure>`;

function reportSummary(report: Report, range: DateRange): Html {
  const ttf = report.timeToFirstDirect;
  const ack = report.acknowledgements;
  const ri = report.returnInterviews;
  return html`<dl class="summary report-summary">
  <dt>Episodes</dt><dd>${report.episodes.total}</dd>
  <dt>Children with repeated episodes</dt><dd>${report.repeatedChildren.children} <a href="/dashboard/reports/repeated?${query(range)}">See who (the view is recorded in the audit log)</a></dd>
  <dt>Police report to first direct email accepted</dt><dd>median ${minutes(ttf.p50Seconds)}, 90th percentile ${minutes(ttf.p90Seconds)}, longest ${minutes(ttf.maxSeconds)} (${ttf.measured} episodes${ttf.notReached > 0 ? html`; <strong class="alarm">${ttf.notReached} reached no direct recipient</strong>` : ''}; ${noDirect(ttf.noDirectRecipient)})</dd>
  <dt>Direct alerts acknowledged</dt><dd>${pct(ack.rate)} (${ack.acknowledged} of ${ack.sent}), median time ${minutes(ack.medianSeconds)}</dd>
  <dt>Escalations</dt><dd>${report.escalations.total}</dd>
  <dt>Failed deliveries</dt><dd>${report.deliveryProblems.failed}</dd>
  <dt>Bounced deliveries</dt><dd>${report.deliveryProblems.bounced}</dd>
  <dt>Return home interviews</dt><dd>${ri.due} due in the period: ${ri.done} recorded as done, ${ri.overdue > 0 ? html`<strong class="alarm">${ri.overdue} overdue</strong>` : '0 overdue'} (due time passed, not recorded as done)</dd>
</dl>`;
}

export function reportsView(page: ReportsPage): Html {
  const { report, range } = page;
  if (!report) return html`<h1>Reports</h1>${rangeForm(page)}`;
  const tables = new Map(reportTables(report).map((t) => [t.name, t]));
  const t = (name: string) => tables.get(name)!;
  const ttf = report.timeToFirstDirect;
  const ack = report.acknowledgements;
  const lowest = ack.byOrganisation.slice(0, ACK_CHART_ROWS);

  const monthChart = episodesChart(report, range);
  const weekChart = timeChart(ttf);
  const ackChart = acknowledgementChart(lowest);
  const directoryLink = (row: Cell[], i: number) =>
    i === 0 ? html`<a href="/dashboard/directory?type=${row[1] === 'School' ? 'school' : 'gp'}#org-${row[1] === 'School' ? 'school' : 'gp'}-${row[2]}">${row[0]}</a>` : (row[i] ?? null);

  return html`
<h1>Reports</h1>
<p class="hint">For the safeguarding partnership: counts only. Episodes are counted in the period they were opened (UK time).</p>
${rangeForm(page)}
<h2 id="summary">${formatDate(range.from)} to ${formatDate(range.to)}</h2>
${reportSummary(report, range)}

<h2>Episodes by month and locality</h2>
${chartFigure('chart-episodes', monthChart)}
${tableView(t('episodes-by-month-and-locality'), range)}

<h2>Episodes by risk and by where the child was missing from</h2>
<div class="report-pair">
<div>${tableView(t('episodes-by-risk'), range)}</div>
<div>${tableView(t('episodes-by-missing-from'), range)}</div>
</div>

<h2>Time to reach the child's school and GP</h2>
<p class="hint">From the police system's POST to the first SMTP acceptance of the alert by the child's own school or GP practice.</p>
${ttf.measured > 0 ? chartFigure('chart-time', weekChart) : ''}
${tableView(t('time-to-school-by-week'), range)}

<h2>Acknowledgement by organisation</h2>
${lowest.length > 0 ? chartFigure('chart-ack', ackChart) : ''}
${tableView(t('acknowledgements-by-organisation'), range)}

<h2>Escalations</h2>
${tableView(t('escalations-by-organisation'), range)}

<h2>Failed and bounced deliveries: contacts to correct</h2>
<p class="hint">By organisation, then by contact. Each link opens the organisation's entry in the directory, where its contacts are corrected.</p>
${tableView(t('delivery-problems-by-organisation'), range, directoryLink)}
${tableView(t('contacts-to-correct'), range, directoryLink)}`;
}

export type RepeatedPage = { range: DateRange; children: RepeatedChild<ReportEpisode & { child: ChildIdentity }>[]; now: Date };

/** The audited list: children with 3 or more episodes within 90 days, with a link to each episode. */
export function repeatedChildrenView(page: RepeatedPage): Html {
  const today = londonDate(page.now);
  return html`
<h1>Children with repeated episodes</h1>
<p class="hint">${formatDate(page.range.from)} to ${formatDate(page.range.to)}: children with 3 or more episodes within 90 days. Your view of this list is recorded in the audit log.</p>
<p class="hint">Episodes purged under the retention period (RETENTION_DAYS after closing) keep no identity, so they count towards no child here.</p>
<p><a href="/dashboard/reports?${query(page.range)}">Back to the report</a> · <a href="/dashboard/reports/repeated.csv?${query(page.range)}" download>Download this list (CSV)</a></p>
${
  page.children.length === 0
    ? html`<p>No child had 3 or more episodes within 90 days in this period.</p>`
    : page.children.map((c) => {
        const latest = c.episodes.at(-1)!.child;
        const name = [latest.givenName, latest.familyName].filter(Boolean).join(' ') || 'Name not given';
        return html`<section class="repeat">
<h2>${name}</h2>
<dl class="summary">
  <dt>Date of birth</dt><dd>${latest.dateOfBirth ? `${formatDate(latest.dateOfBirth)} (age ${ageInYears(latest.dateOfBirth, today)})` : 'Not given'}</dd>
  <dt>Recognised by</dt><dd>${latest.policePersonId ? `police person id ${latest.policePersonId}` : 'name and date of birth'}</dd>
  <dt>Most episodes within 90 days</dt><dd>${c.mostIn90Days}</dd>
</dl>
<table>
  <caption class="visually-hidden">Episodes of ${name}</caption>
  <thead><tr><th scope="col">Police reference</th><th scope="col">Opened</th><th scope="col">State</th><th scope="col">Risk</th></tr></thead>
  <tbody>${c.episodes.map((e) => html`<tr><th scope="row"><a href="/dashboard/episodes/${e.episodeId}">${e.policeReference}</a></th><td>${time(e.openedAt)}</td><td>${statusTag(e.state)}</td><td>${e.risk ?? '–'}</td></tr>`)}</tbody>
</table>
</section>`;
      })
}`;
}
