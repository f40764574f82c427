import { HttpProblem } from '../platform/problem';
import { withRedis, type RedisClient } from '../platform/redis';

export type AuditEntry = { at: string; actor: string; action: string; subject: string; detail?: string };

/**
 * The append-only audit log (SPEC §8): a Redis stream the app only ever adds to. Every view
 * of a child's details and every action is written here, by id, never with the child's data.
 */
export function createAuditLog(redis: RedisClient, prefix: string) {
  const key = `${prefix}:audit`;
  /**
   * One page, newest first, of the entries older than the stream id `before` (the page before's
   * `older`); `older` is undefined on the last page. A page reads only its own entries.
   */
  async function page(count: number, before?: string): Promise<{ entries: AuditEntry[]; older: string | undefined }> {
    const rows = await redis.xrevrange(key, before ? `(${before}` : '+', '-', 'COUNT', count + 1);
    const entries = rows.slice(0, count).map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { at: f.at!, actor: f.actor!, action: f.action!, subject: f.subject!, ...(f.detail ? { detail: f.detail } : {}) };
    });
    return { entries, older: rows.length > count ? rows[count - 1]![0] : undefined };
  }
  return {
    key,
    async append(entry: AuditEntry): Promise<void> {
      await redis.xadd(key, '*', 'at', entry.at, 'actor', entry.actor, 'action', entry.action, 'subject', entry.subject, 'detail', entry.detail ?? '');
    },
    /** Newest first. */
    async recent(count = 200): Promise<AuditEntry[]> {
      return (await page(count)).entries;
    },
    page,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * Writes the entry and only then lets the caller answer: a view or change that cannot be
 * recorded fails with a 503 problem rather than going unrecorded (SPEC §8).
 */
export async function auditBeforeAnswer(audit: AuditLog, entry: AuditEntry): Promise<void> {
  try {
    await withRedis(() => audit.append(entry));
  } catch {
    throw new HttpProblem(503, 'audit-unavailable', 'Service Unavailable', 'The audit log could not be written; try again in a moment.', {
      retryAfterSeconds: 5,
    });
  }
}
