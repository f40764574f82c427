/**
 * SPEC §13: children with repeated episodes, 3 or more within 90 days. Pure: no I/O, no clock.
 *
 * A child is recognised by the force's `policePersonId` when the report carries one; otherwise
 * by the same feed, the same name and the same date of birth. Names are compared as written,
 * after only Unicode normalisation (NFC) and the collapsing of white space: accents, hyphens,
 * case and the order of given and family name all count. A wrong merge would put two
 * children's episodes in one safeguarding history, which is worse than a missed repeat.
 */

export const REPEAT_EPISODES = 3;
export const REPEAT_WINDOW_DAYS = 90;
const WINDOW_MS = REPEAT_WINDOW_DAYS * 24 * 3600_000;

export type ChildIdentity = {
  feedId: string;
  policePersonId?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  dateOfBirth?: string | undefined;
};

/** Text as written, with composed accents and single spaces: the only normalisation applied to names. */
export const normaliseName = (name: string) => name.normalize('NFC').trim().replace(/\s+/gu, ' ');

/** The key that recognises one child across episodes; undefined when the report says too little to tell. */
export function childKey(child: ChildIdentity): string | undefined {
  const personId = child.policePersonId?.trim();
  if (personId) return JSON.stringify(['person', child.feedId, personId]);
  if (!child.givenName || !child.familyName || !child.dateOfBirth) return undefined;
  return JSON.stringify(['name', child.feedId, normaliseName(child.givenName), normaliseName(child.familyName), child.dateOfBirth]);
}

export type EpisodeOfChild = { episodeId: string; openedAt: string; child: ChildIdentity };

export type RepeatedChild<E extends EpisodeOfChild> = {
  key: string;
  /** Every episode of the child in the looked-at period, oldest first. */
  episodes: E[];
  /** The most episodes that fell within any one 90-day window. */
  mostIn90Days: number;
};

/**
 * Groups episodes by child and keeps the children with at least 3 episodes opened within 90
 * days of each other, where the window ends at an episode opened in [fromMs, toMs): a repeat
 * that started before the period but completed inside it is listed; one completed earlier is not.
 */
export function repeatedChildren<E extends EpisodeOfChild>(episodes: readonly E[], fromMs: number, toMs: number): RepeatedChild<E>[] {
  const byChild = new Map<string, E[]>();
  for (const episode of episodes) {
    const key = childKey(episode.child);
    if (!key) continue;
    byChild.set(key, [...(byChild.get(key) ?? []), episode]);
  }
  const out: RepeatedChild<E>[] = [];
  for (const [key, list] of byChild) {
    const ordered = [...list].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
    let most = 0;
    let start = 0;
    let qualifies = false;
    for (let end = 0; end < ordered.length; end++) {
      const endMs = Date.parse(ordered[end]!.openedAt);
      while (endMs - Date.parse(ordered[start]!.openedAt) > WINDOW_MS) start++;
      const count = end - start + 1;
      most = Math.max(most, count);
      if (count >= REPEAT_EPISODES && endMs >= fromMs && endMs < toMs) qualifies = true;
    }
    if (qualifies) out.push({ key, episodes: ordered, mostIn90Days: most });
  }
  return out.sort((a, b) => b.mostIn90Days - a.mostIn90Days || a.episodes[0]!.openedAt.localeCompare(b.episodes[0]!.openedAt));
}
