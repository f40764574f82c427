import type { episodeSummary } from '../episodes/episode-view';

/*
 * The live board's view model (SPEC §8): pure functions from episode summaries and `now` to
 * what the page and /dashboard/board.json show. Ids and counts only: no child's details.
 */

export type EpisodeSummary = ReturnType<typeof episodeSummary>;

export type BoardRow = {
  episodeId: string;
  policeReference: string;
  risk: string | null;
  openedAt: string;
  /** "3 h 12 min" since the episode opened. */
  age: string;
  reached: number;
  failed: number;
  pending: number;
  acknowledged: number;
  directAlerts: number;
  /** Organisations the directory did not know: nobody there was told. */
  unroutable: number;
  escalated: number;
  /** The child's episodes in the last 90 days when 3 or more (SPEC §13: a repeated child), else 0. */
  repeatEpisodes: number;
};

export type Board = {
  generatedAt: string;
  episodes: BoardRow[];
  /** Open episodes in all: more than `episodes` when the board shows only the most urgent. */
  openEpisodes: number;
};

const MINUTE = 60_000;

/** A duration as people read it on a board: "< 1 min", "42 min", "3 h 12 min", "2 d 4 h". */
export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function boardRow(summary: EpisodeSummary, now: Date, repeatEpisodes = 0): BoardRow {
  return {
    episodeId: summary.episodeId,
    policeReference: summary.policeReference,
    risk: summary.risk,
    openedAt: summary.openedAt,
    age: formatAge(now.getTime() - Date.parse(summary.openedAt)),
    reached: summary.counts.reached,
    failed: summary.counts.failed,
    pending: summary.counts.pending,
    acknowledged: summary.counts.acknowledged,
    directAlerts: summary.counts.directAlerts,
    unroutable: summary.unroutable.length,
    escalated: summary.counts.escalated,
    repeatEpisodes,
  };
}

const RISK_ORDER: Record<string, number> = { high: 0, medium: 1, low: 2, very_low: 3 };

/** Open episodes, highest risk first, then the longest open first. */
export function buildBoard(summaries: readonly EpisodeSummary[], now: Date, repeats: ReadonlyMap<string, number> = new Map(), openEpisodes = summaries.length): Board {
  const episodes = summaries
    .map((s) => boardRow(s, now, repeats.get(s.episodeId) ?? 0))
    .sort((a, b) => (RISK_ORDER[a.risk ?? ''] ?? 4) - (RISK_ORDER[b.risk ?? ''] ?? 4) || Date.parse(a.openedAt) - Date.parse(b.openedAt));
  return { generatedAt: now.toISOString(), episodes, openEpisodes };
}

/** "very_low" → "Very low". */
export const riskLabel = (risk: string | null) => (risk ? risk.charAt(0).toUpperCase() + risk.slice(1).replace('_', ' ') : 'Not yet reported');
