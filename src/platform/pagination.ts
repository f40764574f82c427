import { z } from 'zod';
import { validationProblem } from './problem';
import type { RedisClient } from './redis';

/*
 * Cursor pagination over sorted-set indexes (SPEC §6: lists stay fast at 100,000 records).
 * A page is read from the index alone, so its cost is the page's size, never the list's.
 *
 * A position is (score, member): scores tie often (a fan-out writes hundreds of deliveries in
 * the same millisecond), so the member breaks ties, in the order Redis itself keeps them. The
 * next page starts strictly after the position, found by score rather than by rank: a record
 * that leaves the index between two pages (a status change, a purge) shifts no one.
 */

/** Where the previous page ended. */
export type Position = { score: number; id: string };

export type Order = 'newest' | 'oldest';

export type IndexPage = { ids: string[]; next: Position | undefined };

/** Members read per call when stepping over a run of equal scores. */
const TIE_CHUNK = 1000;

const MEMBER = /^[A-Za-z0-9_:.-]{1,200}$/;

/** The opaque cursor a client sends back: which list it belongs to, and the position. */
export function encodeCursor(list: string, position: Position): string {
  return Buffer.from(`${list}|${position.score}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not a cursor of `list`. */
export function decodeCursor(list: string, cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  const [tag, score, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || tag !== list || !score || !/^-?\d{1,16}$/.test(score) || !id || !MEMBER.test(id)) return undefined;
  return { score: Number(score), id };
}

/** The position a client's cursor names; a cursor of another list, or no cursor at all, is a 422. */
export function readCursor(list: string, cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(list, cursor);
  if (!position) throw validationProblem([{ path: 'cursor', message: 'is not a cursor of this list: use the nextCursor of the page before' }]);
  return position;
}

/** `nextCursor` and the `next` link of a page: the same path and query, at the next cursor; null on the last page. */
export function nextPage(list: string, path: string, query: Record<string, string | undefined>, next: Position | undefined) {
  if (!next) return { nextCursor: null, next: null };
  const nextCursor = encodeCursor(list, next);
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && name !== 'cursor') params.set(name, value);
  params.set('cursor', nextCursor);
  return { nextCursor, next: `${path}?${params}` };
}

/** The fields a page adds to a list's answer, for its OpenAPI schema. */
export const pageLinks = {
  nextCursor: z.string().nullable().describe('Send as `cursor` (with the same filters) for the next page; null on the last page'),
  next: z.string().nullable().describe('The path and query of the next page; null on the last page'),
};

/** The query parameters every paginated list takes; spread into a list's query schema. */
export const pageQuery = (maxLimit: number, defaultLimit = 50) => ({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(maxLimit)
    .optional()
    .describe(`Items on a page: 1 to ${maxLimit}, default ${defaultLimit}`),
  cursor: z.string().max(400).optional().describe('The `nextCursor` of the previous page; omit for the first page'),
});

type Entry = { id: string; score: number };

const pairs = (flat: string[]): Entry[] => {
  const out: Entry[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i]!, score: Number(flat[i + 1]) });
  return out;
};

/** a before b in the list's order. */
const precedes = (order: Order) => (a: Entry, b: Entry) =>
  order === 'newest' ? a.score > b.score || (a.score === b.score && a.id > b.id) : a.score < b.score || (a.score === b.score && a.id < b.id);

/**
 * Up to `limit` entries of one index strictly after `after`, in `order`, within [min, max].
 * Ties with `after` are stepped over in chunks; everything else is one bounded ZRANGE.
 */
async function entriesAfter(redis: RedisClient, key: string, order: Order, limit: number, bounds: { min: number; max: number }, after?: Position): Promise<Entry[]> {
  const lo = String(bounds.min === -Infinity ? '-inf' : bounds.min);
  const hi = String(bounds.max === Infinity ? '+inf' : bounds.max);
  const range = (from: string, to: string, offset: number, count: number) =>
    order === 'newest'
      ? redis.zrange(key, to, from, 'BYSCORE', 'REV', 'LIMIT', offset, count, 'WITHSCORES')
      : redis.zrange(key, from, to, 'BYSCORE', 'LIMIT', offset, count, 'WITHSCORES');
  if (!after) return pairs(await range(lo, hi, 0, limit));
  if (after.score < bounds.min || after.score > bounds.max) return [];
  const tied: Entry[] = [];
  const beyond = precedes(order);
  const cursor: Entry = { id: after.id, score: after.score };
  for (let offset = 0; tied.length < limit; offset += TIE_CHUNK) {
    const chunk = pairs(await range(String(after.score), String(after.score), offset, TIE_CHUNK));
    tied.push(...chunk.filter((e) => beyond(cursor, e)).slice(0, limit - tied.length));
    if (chunk.length < TIE_CHUNK) break;
  }
  if (tied.length >= limit) return tied;
  const rest = order === 'newest' ? await range(lo, `(${after.score}`, 0, limit - tied.length) : await range(`(${after.score}`, hi, 0, limit - tied.length);
  return [...tied, ...pairs(rest)];
}

/**
 * One page of ids from one or more sorted sets merged (newest or oldest score first), after the
 * cursor's position. Each index is read for at most `limit + 1` entries, so a page costs the
 * same on the first page and the thousandth.
 */
export async function pageOfIndexes(
  redis: RedisClient,
  keys: readonly string[],
  options: { order: Order; limit: number; after?: Position; min?: number; max?: number },
): Promise<IndexPage> {
  const bounds = { min: options.min ?? -Infinity, max: options.max ?? Infinity };
  const before = precedes(options.order);
  const lists = await Promise.all(keys.map((key) => entriesAfter(redis, key, options.order, options.limit + 1, bounds, options.after)));
  const seen = new Set<string>();
  // An id moving between two of the indexes while they are read may be in both: shown once.
  const merged = lists
    .flat()
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
    .filter((e) => !seen.has(e.id) && seen.add(e.id));
  const page = merged.slice(0, options.limit);
  const last = page.at(-1);
  return { ids: page.map((e) => e.id), next: merged.length > options.limit && last ? { score: last.score, id: last.id } : undefined };
}
