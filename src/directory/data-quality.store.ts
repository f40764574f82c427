import type { RedisClient } from '../platform/redis';
import { organisationKey, type ContactRole } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * SPEC §13's data-quality list: contacts to correct, because mail to them came back. One
 * entry per contact of an organisation; a later report replaces the earlier one.
 */
export type DataQualityEntry = {
  organisation: { type: OrganisationType; id: string; name: string };
  contactId: string;
  role: ContactRole;
  /** Why the contact is listed: the remote server's answer, addresses scrubbed. */
  lastError: string;
  /** When it was reported, ISO 8601. */
  at: string;
  /** The delivery that came back, and its episode for the dashboard's link to it. */
  deliveryId: string;
  episodeId: string;
};

const contactKey = (entry: Pick<DataQualityEntry, 'organisation' | 'contactId'>) =>
  `${organisationKey(entry.organisation.type, entry.organisation.id)}:${entry.contactId}`;

/** The directory stage's data-quality keys: the entries by contact, and their order by time. */
export function createDataQualityStore(redis: RedisClient, prefix: string) {
  const keys = {
    entries: `${prefix}:data-quality`,
    byTime: `${prefix}:data-quality:by-time`,
  };

  return {
    keys,

    /** Puts a contact on the list (or refreshes its entry). */
    async flag(entry: DataQualityEntry): Promise<void> {
      const key = contactKey(entry);
      await redis.multi().hset(keys.entries, key, JSON.stringify(entry)).zadd(keys.byTime, Date.parse(entry.at), key).exec();
    },

    /** The contacts to correct, most recently reported first. */
    async list(limit = 500): Promise<DataQualityEntry[]> {
      const contactKeys = await redis.zrevrange(keys.byTime, 0, limit - 1);
      if (contactKeys.length === 0) return [];
      const docs = await redis.hmget(keys.entries, ...contactKeys);
      return docs.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as DataQualityEntry);
    },

    /** Takes a contact off the list (it has been corrected). */
    async clear(type: OrganisationType, id: string, contactId: string): Promise<void> {
      const key = `${organisationKey(type, id)}:${contactId}`;
      await redis.multi().hdel(keys.entries, key).zrem(keys.byTime, key).exec();
    },
  };
}

export type DataQualityStore = ReturnType<typeof createDataQualityStore>;
