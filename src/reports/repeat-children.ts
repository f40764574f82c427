import { nameKey, personKey, type ChildIdentity } from '../domain/child-identity';

/**
 * SPEC §13: children with repeated episodes, 3 or more within 90 days. Pure: no I/O, no clock.
 *
 * Who is the same child (normaliseName in domain/child-identity.ts says how names compare):
 * - reports with a `policePersonId` are the child the force says: the same feed and id match
 *   whatever the names, and different ids never match, even under one name and date of birth;
 * - a report without one matches, by feed + normalised given name + normalised family name +
 *   date of birth, the other reports without one, and also the reports with an id under that
 *   name and date of birth when they all carry one id (a feed that sends the id only sometimes).
 *   When they carry two or more ids, the force has told two children apart and the report
 *   cannot say which it is: it stays with the reports without an id.
 * Swapped given and family names and another feed never match. The mix is resolved among the
 * episodes looked at together (the range and the 90 days before it).
 */

export type { ChildIdentity } from '../domain/child-identity';

export const REPEAT_EPISODES = 3;
export const REPEAT_WINDOW_DAYS = 90;
const WINDOW_MS = REPEAT_WINDOW_DAYS * 24 * 3600_000;

export type EpisodeOfChild = { episodeId: string; openedAt: string; child: ChildIdentity };

/** The episodes of each child, by the rule above; episodes that say too little to tell are left out. */
export function groupByChild<E extends EpisodeOfChild>(episodes: readonly E[]): Map<string, E[]> {
  const idsByName = new Map<string, Set<string>>();
  for (const e of episodes) {
    const [person, name] = [personKey(e.child), nameKey(e.child)];
    if (person && name) idsByName.set(name, (idsByName.get(name) ?? new Set()).add(person));
  }
  const groups = new Map<string, E[]>();
  for (const e of episodes) {
    const name = nameKey(e.child);
    const ids = name ? idsByName.get(name) : undefined;
    const key = personKey(e.child) ?? (ids?.size === 1 ? [...ids][0]! : name);
    if (!key) continue;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return groups;
}

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
  const out: RepeatedChild<E>[] = [];
  for (const [key, list] of groupByChild(episodes)) {
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
