import { describe, expect, it } from 'vitest';
import { horizontalBarChart, lineChart, stackedBarChart } from '../../../src/dashboard/views/charts';

/* SVG charts drawn on the server: images with a text alternative, no inline style (the CSP forbids it), values escaped. */

const charts = {
  stacked: stackedBarChart('s', 'Episodes <by> month', 'All figures in the table.', { categories: ['2026-01', '2026-02'], series: [{ name: 'Morpeth', values: [2, 0] }, { name: 'Blyth', values: [1, 3] }] }, 'Episodes'),
  line: lineChart('l', 'Time by week', 'Median and p90.', { points: ['01-05', '01-12'], series: [{ name: 'Median', values: [20, null] }, { name: 'p90', values: [30, 40], dashed: true }] }, 'Seconds'),
  bars: horizontalBarChart('h', 'Rate', 'Lowest first.', [{ label: 'Fictional School', value: 0.5, text: '50% of 2' }], 1),
};

describe('server-drawn charts', () => {
  it.each(Object.entries(charts))('%s is an image named by its title and described', (_name, chart) => {
    const svg = chart.value;
    expect(svg).toMatch(/^<svg class="chart" viewBox="[^"]+" role="img" aria-labelledby="(\w+)-title \1-desc"/);
    expect(svg).toMatch(/<title id="\w+-title">[^<]+<\/title>\n<desc id="\w+-desc">[^<]+<\/desc>/);
    expect(svg).not.toMatch(/style=/);
  });

  it('escapes text and labels each bar segment and point with its value', () => {
    expect(charts.stacked.value).toContain('Episodes &lt;by&gt; month');
    expect(charts.stacked.value).toContain('<title>2026-02, Blyth: 3</title>');
    expect(charts.stacked.value).not.toContain('2026-02, Morpeth: 0');
    expect(charts.line.value).toContain('<title>01-12, p90: 40</title>');
    expect(charts.line.value).not.toContain('01-12, Median');
    expect(charts.bars.value).toContain('<title>Fictional School: 50% of 2</title>');
  });

  it('breaks a line where a week has no value, so an empty week shows as a gap rather than being bridged', () => {
    const svg = lineChart('g', 'Gaps', 'Weeks with and without episodes.', { points: ['a', 'b', 'c', 'd', 'e', 'f'], series: [{ name: 'Median', values: [10, 20, null, 30, 40, null] }] }, 'Seconds').value;
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });
});
