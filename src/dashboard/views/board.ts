import { html, type Html } from '../../platform/html';
import type { Board, BoardRow } from '../board';
import { alarm, riskTag, time } from './common';

export type ReturnInterview = { episodeId: string; policeReference: string; foundAt: string | null; returnInterviewDueAt: string };

/** "Yes (2)" / "No": a flag the eye catches, with its count. */
const flag = (count: number) => (count > 0 ? html`<strong class="alarm">Yes (${count})</strong>` : html`No`);

/** One row; /assets/board.js builds the same cells from board.json. */
export const boardRowView = (row: BoardRow): Html => html`<tr>
  <th scope="row"><a href="/dashboard/episodes/${row.episodeId}">${row.policeReference}</a>${row.repeatEpisodes > 0 ? html` <span class="tag repeat">Repeat: ${row.repeatEpisodes} in 90 days</span>` : ''}</th>
  <td>${riskTag(row.risk)}</td>
  <td><time datetime="${row.openedAt}">${row.age}</time></td>
  <td>${row.reached}${row.pending > 0 ? html` <span class="hint-inline">(${row.pending} pending)</span>` : ''}</td>
  <td>${alarm(row.failed)}</td>
  <td>${row.acknowledged} of ${row.directAlerts}</td>
  <td>${flag(row.unroutable)}</td>
  <td>${flag(row.escalated)}</td>
</tr>`;

const EMPTY = html`<tr><td colspan="8">No open episodes.</td></tr>`;

export function boardView(board: Board, returnInterviews: ReturnInterview[]): Html {
  return html`
<h1>Open episodes</h1>
<p class="hint" id="board-updated">Shown at ${time(board.generatedAt)}. Reload the page to update it.</p>
<div id="board-announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>
<table class="board">
  <caption class="visually-hidden">Open episodes, highest risk first</caption>
  <thead><tr>
    <th scope="col">Police reference</th><th scope="col">Risk</th><th scope="col">Open for</th><th scope="col">Reached</th>
    <th scope="col">Failed</th><th scope="col">Acknowledged</th><th scope="col">Unroutable</th><th scope="col">Escalated</th>
  </tr></thead>
  <tbody id="board-body">${board.episodes.length > 0 ? board.episodes.map(boardRowView) : EMPTY}</tbody>
</table>
${board.openEpisodes > board.episodes.length ? html`<p class="hint">The ${board.episodes.length} most urgent of ${board.openEpisodes} open episodes are shown.</p>` : ''}
<h2>Return home interviews due</h2>
${
  returnInterviews.length === 0
    ? html`<p>No found episodes are waiting for a return home interview.</p>`
    : html`<table>
  <thead><tr><th scope="col">Police reference</th><th scope="col">Found</th><th scope="col">Interview due by</th></tr></thead>
  <tbody>${returnInterviews.map(
    (r) => html`<tr><th scope="row"><a href="/dashboard/episodes/${r.episodeId}">${r.policeReference}</a></th><td>${time(r.foundAt)}</td><td><strong>${time(r.returnInterviewDueAt)}</strong></td></tr>`,
  )}</tbody>
</table>`
}
<script src="/assets/board.js" defer></script>`;
}
