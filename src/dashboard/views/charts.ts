import { html, type Html } from '../../platform/html';

/**
 * Charts drawn on the server as SVG (SPEC §13): no script, presentation attributes only (the
 * CSP allows no inline style), each an image with a title and a description, and always shown
 * beside the table that holds its figures. Pure.
 */

/** Dark enough for 3:1 against white (WCAG 1.4.11) and told apart by the legend and the table, never by colour alone. */
export const SERIES_COLOURS = ['#1d4f91', '#b3401a', '#00703c', '#6f3c97', '#8a5a00', '#005e6e', '#a8260f', '#3f4d5a', '#7a2f59', '#4d6b00', '#2b5fad', '#6b4423'];

const W = 720;
const PAD = { left: 56, right: 16, top: 16, bottom: 56 };

/** A round axis maximum with 4 ticks. */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max / 4));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => s * 4 >= max)!;
  return nice * 4;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function frame(id: string, title: string, description: string, height: number, body: Html): Html {
  return html`<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${body}
</svg>`;
}

function yAxis(max: number, height: number, unit: string): Html {
  const plotH = height - PAD.top - PAD.bottom;
  const ticks = [0, 1, 2, 3, 4].map((i) => {
    const v = (max / 4) * i;
    const y = PAD.top + plotH - (plotH * i) / 4;
    return html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#b1b4b6" stroke-width="1"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="12" fill="#0b0c0c">${fmt(v)}</text>`;
  });
  return html`${ticks}<text x="12" y="${PAD.top + plotH / 2}" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle" font-size="12" fill="#0b0c0c">${unit}</text>`;
}

export type StackedBars = { categories: string[]; series: { name: string; values: number[] }[] };

/** Vertical bars per category (e.g. month), stacked by series (e.g. locality), with a legend. */
export function stackedBarChart(id: string, title: string, description: string, data: StackedBars, unit: string): Html {
  const height = 320 + Math.ceil(data.series.length / 4) * 20;
  const plotBottom = 320 - PAD.bottom;
  const plotH = plotBottom - PAD.top;
  const totals = data.categories.map((_, i) => data.series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const band = (W - PAD.left - PAD.right) / Math.max(1, data.categories.length);
  const barW = Math.min(48, band * 0.7);
  const bars = data.categories.map((category, i) => {
    let y = plotBottom;
    const x = PAD.left + band * i + (band - barW) / 2;
    const segments = data.series.map((s, j) => {
      const v = s.values[i] ?? 0;
      if (v === 0) return html``;
      const h = (plotH * v) / max;
      y -= h;
      return html`<rect x="${x}" y="${y}" width="${barW}" height="${h}" fill="${SERIES_COLOURS[j % SERIES_COLOURS.length]}" stroke="#ffffff" stroke-width="1"><title>${category}, ${s.name}: ${v}</title></rect>`;
    });
    return html`<g>${segments}<text x="${x + barW / 2}" y="${plotBottom - (plotH * totals[i]!) / max - 4}" text-anchor="middle" font-size="12" fill="#0b0c0c">${totals[i]! > 0 ? totals[i] : ''}</text><text x="${x + barW / 2}" y="${plotBottom + 16}" text-anchor="middle" font-size="12" fill="#0b0c0c">${category}</text></g>`;
  });
  const legend = data.series.map((s, j) => {
    const lx = PAD.left + (j % 4) * 165;
    const ly = 320 - 14 + Math.floor(j / 4) * 20;
    return html`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${SERIES_COLOURS[j % SERIES_COLOURS.length]}"/><text x="${lx + 16}" y="${ly}" font-size="12" fill="#0b0c0c">${s.name}</text>`;
  });
  return frame(id, title, description, height, html`${yAxis(max, 320, unit)}${bars}${legend}`);
}

export type Lines = { points: string[]; series: { name: string; values: (number | null)[]; dashed?: boolean }[] };

/** Lines over a sequence (e.g. weeks), with markers so that a single point still shows. */
export function lineChart(id: string, title: string, description: string, data: Lines, unit: string): Html {
  const height = 320;
  const plotBottom = height - PAD.bottom;
  const plotH = plotBottom - PAD.top;
  const max = niceMax(Math.max(0, ...data.series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const step = (W - PAD.left - PAD.right) / Math.max(1, data.points.length);
  const x = (i: number) => PAD.left + step * i + step / 2;
  const y = (v: number) => plotBottom - (plotH * v) / max;
  const labelEvery = Math.max(1, Math.ceil(data.points.length / 8));
  const xLabels = data.points.map((p, i) => (i % labelEvery === 0 ? html`<text x="${x(i)}" y="${plotBottom + 16}" text-anchor="middle" font-size="12" fill="#0b0c0c">${p}</text>` : html``));
  const lines = data.series.map((s, j) => {
    const colour = SERIES_COLOURS[j % SERIES_COLOURS.length];
    // A line runs only between neighbouring points: a null (an empty week) is a gap, not bridged.
    const runs: string[][] = [[]];
    s.values.forEach((v, i) => {
      if (v !== null) runs.at(-1)!.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      else if (runs.at(-1)!.length > 0) runs.push([]);
    });
    const stroke = html` stroke="${colour}" stroke-width="3"${s.dashed ? html` stroke-dasharray="8 5"` : ''}`;
    const polylines = runs.filter((run) => run.length > 1).map((run) => html`<polyline points="${run.join(' ')}" fill="none"${stroke}/>`);
    const markers = s.values.map((v, i) => (v === null ? html`` : html`<circle cx="${x(i)}" cy="${y(v)}" r="4" fill="${colour}"><title>${data.points[i]}, ${s.name}: ${v}</title></circle>`));
    const lx = PAD.left + j * 200;
    return html`${polylines}${markers}
<line x1="${lx}" x2="${lx + 28}" y1="${height - 14}" y2="${height - 14}"${stroke}/><text x="${lx + 34}" y="${height - 10}" font-size="12" fill="#0b0c0c">${s.name}</text>`;
  });
  return frame(id, title, description, height, html`${yAxis(max, height, unit)}${xLabels}${lines}`);
}

/** Horizontal bars, one per row, in the order given (sort before), with the value written at the end. */
export function horizontalBarChart(id: string, title: string, description: string, rows: { label: string; value: number; text: string }[], max: number): Html {
  const rowH = 26;
  const labelW = 300;
  const height = PAD.top + rows.length * rowH + 8;
  const barMax = W - labelW - 80;
  const bars = rows.map((r, i) => {
    const y = PAD.top + i * rowH;
    const label = r.label.length > 40 ? `${r.label.slice(0, 39)}…` : r.label;
    return html`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" font-size="12" fill="#0b0c0c">${label}</text><rect x="${labelW}" y="${y + 4}" width="${Math.max(1, (barMax * r.value) / (max || 1))}" height="${rowH - 8}" fill="${SERIES_COLOURS[0]}"><title>${r.label}: ${r.text}</title></rect><text x="${labelW + (barMax * r.value) / (max || 1) + 6}" y="${y + 16}" font-size="12" fill="#0b0c0c">${r.text}</text>`;
  });
  return frame(id, title, description, Math.max(height, 40), html`${bars}`);
}
