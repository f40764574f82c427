import { createHash } from 'node:crypto';

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex');

/** Internal id of (feed, eventId): safe in Redis keys and BullMQ job ids (no `:`). */
export const eventUid = (feedId: string, eventId: string) => hash('event', feedId, eventId).slice(0, 32);

/**
 * An episode is one police reference within one feed, so its id is derived, not drawn:
 * every event of the episode, in any order and on any process, lands on the same id.
 */
export const episodeIdOf = (feedId: string, policeReference: string) => `ep_${hash('episode', feedId, policeReference).slice(0, 24)}`;

/** Key-order-independent JSON, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const contentHash = (value: unknown) => hash('content', canonicalJson(value));
