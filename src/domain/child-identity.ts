/**
 * SPEC §13: what recognises one child across episodes. Shared by the reports (which group
 * episodes by child) and the episode store (which indexes them by child for the live board).
 * Pure: no I/O.
 */

export type ChildIdentity = {
  feedId: string;
  policePersonId?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  dateOfBirth?: string | undefined;
};

/** Letters that carry their mark in the letter itself, so NFKD leaves them whole. */
const FOLDED: Record<string, string> = { ß: 'ss', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', æ: 'ae', œ: 'oe', ı: 'i' };

/**
 * A name as the matching compares it: the same letters whatever the case, the accents (NFKD,
 * then the combining marks dropped, and a few letters folded by hand) and the separators: a
 * hyphen, an apostrophe, a full stop and any white space all count as nothing, so
 * "Smith-Jones" = "Smith Jones" and "O'Brien" = "OBrien". A police system retypes a name
 * more often than two children of one feed share a name and a date of birth, and a missed
 * repeat (a sign of exploitation) is the worse error.
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßøłđðþæœı]/gu, (c) => FOLDED[c]!)
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The force's own person id within its feed; undefined when the report has none. */
export function personKey(child: ChildIdentity): string | undefined {
  const personId = child.policePersonId?.trim();
  return personId ? JSON.stringify(['person', child.feedId, personId]) : undefined;
}

/**
 * Feed, given name, family name and date of birth, each name normalised on its own, so
 * swapped given and family names stay apart. Undefined when the report says too little to tell.
 */
export function nameKey(child: ChildIdentity): string | undefined {
  const given = normaliseName(child.givenName ?? '');
  const family = normaliseName(child.familyName ?? '');
  if (!given || !family || !child.dateOfBirth) return undefined;
  return JSON.stringify(['name', child.feedId, given, family, child.dateOfBirth]);
}

/** Every key a report can be found under: its person key and its name key, when it has them. */
export const identityKeys = (child: ChildIdentity): string[] => [personKey(child), nameKey(child)].filter((k): k is string => k !== undefined);
