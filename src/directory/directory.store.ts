import type { RedisClient } from '../platform/redis';
import { defineScripts } from '../platform/scripts';
import { organisationKey, type DirectoryView, type Organisation } from './organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * Writes ARGV[2] at KEYS[1] only if it still holds ARGV[1] exactly ('' = absent), and keeps the
 * indexes with it: KEYS[2] all, KEYS[3] the old locality (left when ARGV[4] is ''), KEYS[4] the
 * new one (ARGV[5] ''). 1 written, 0 somebody changed it since it was read.
 */
const REPLACE_ORGANISATION = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('SREM', KEYS[3], ARGV[3]) end
if ARGV[5] ~= '' then redis.call('SADD', KEYS[4], ARGV[3]) end
return 1
`;

/** The stored text of an organisation, or null when there is none: what a conditional write compares against. */
export type StoredOrganisation = { organisation: Organisation | undefined; stored: string | null };

/** The directory stage's Redis keys: one JSON document per organisation, plus indexes. */
// eslint-disable-next-line max-lines-per-function -- a store factory: a set of small methods over its keys (README, Layout: exceptions)
export function createDirectoryStore(redis: RedisClient, prefix: string) {
  const keys = {
    organisation: (type: OrganisationType, id: string) => `${prefix}:org:${organisationKey(type, id)}`,
    all: `${prefix}:orgs`,
    locality: (locality: string) => `${prefix}:orgs:locality:${locality.toLowerCase()}`,
  };

  const scripts = defineScripts(redis, { directoryReplace: { numberOfKeys: 4, lua: REPLACE_ORGANISATION } });

  const parse = (json: string | null): Organisation | undefined => (json ? (JSON.parse(json) as Organisation) : undefined);

  async function getMany(orgKeys: string[]): Promise<Organisation[]> {
    if (orgKeys.length === 0) return [];
    const docs = await redis.mget(orgKeys.map((k) => `${prefix}:org:${k}`));
    return docs.map(parse).filter((o): o is Organisation => o !== undefined);
  }

  const store = {
    keys,

    async get(type: OrganisationType, id: string): Promise<Organisation | undefined> {
      return parse(await redis.get(keys.organisation(type, id)));
    },

    /** The organisation with its stored text, for a later `replaceIf`. */
    async read(type: OrganisationType, id: string): Promise<StoredOrganisation> {
      const stored = await redis.get(keys.organisation(type, id));
      return { organisation: parse(stored), stored };
    },

    /**
     * Writes `organisation` only if the stored record is still `read` (absent, for a create):
     * false when another writer got there first, and nothing is written. All keys share the prefix's hash tag.
     */
    async replaceIf(read: StoredOrganisation, organisation: Organisation): Promise<boolean> {
      const orgKey = organisationKey(organisation.type, organisation.id);
      const oldLocality = read.organisation?.locality && read.organisation.locality !== organisation.locality ? read.organisation.locality : '';
      const newLocality = organisation.locality ?? '';
      const outcome = await scripts.run(
        'directoryReplace',
        [keys.organisation(organisation.type, organisation.id), keys.all, oldLocality ? keys.locality(oldLocality) : keys.all, newLocality ? keys.locality(newLocality) : keys.all],
        [read.stored ?? '', JSON.stringify(organisation), orgKey, oldLocality, newLocality],
      );
      return outcome === 1;
    },

    /** Creates or replaces one organisation, whatever is stored; returns whether it existed before. */
    async put(organisation: Organisation): Promise<{ existed: boolean; previous: Organisation | undefined }> {
      const previous = await store.get(organisation.type, organisation.id);
      const orgKey = organisationKey(organisation.type, organisation.id);
      const tx = redis.multi().set(keys.organisation(organisation.type, organisation.id), JSON.stringify(organisation)).sadd(keys.all, orgKey);
      if (previous?.locality && previous.locality !== organisation.locality) tx.srem(keys.locality(previous.locality), orgKey);
      if (organisation.locality) tx.sadd(keys.locality(organisation.locality), orgKey);
      await tx.exec();
      return { existed: previous !== undefined, previous };
    },

    /** The organisations that exist among `refs`, by `type:id`, in one round trip. */
    async getMany(refs: readonly { type: OrganisationType; id: string }[]): Promise<Map<string, Organisation>> {
      const found = await getMany(refs.map((r) => organisationKey(r.type, r.id)));
      return new Map(found.map((o) => [organisationKey(o.type, o.id), o]));
    },

    async list(filter: { type?: OrganisationType; locality?: string } = {}): Promise<Organisation[]> {
      const orgKeys = filter.locality ? await redis.smembers(keys.locality(filter.locality)) : await redis.smembers(keys.all);
      const organisations = await getMany(orgKeys.filter((k) => !filter.type || k.startsWith(`${filter.type}:`)));
      return organisations.sort((a, b) => (organisationKey(a.type, a.id) < organisationKey(b.type, b.id) ? -1 : 1));
    },

    async inLocality(locality: string): Promise<Organisation[]> {
      return getMany(await redis.smembers(keys.locality(locality)));
    },

    async count(): Promise<number> {
      return redis.scard(keys.all);
    },

    /**
     * A read-only snapshot for the pure routing decision: the child's own organisations and
     * every organisation of the localities that may matter.
     */
    async view(refs: { type: OrganisationType; id: string }[], localities: string[]): Promise<DirectoryView> {
      const own = await getMany(refs.map((r) => organisationKey(r.type, r.id)));
      const byKey = new Map(own.map((o) => [organisationKey(o.type, o.id), o]));
      const byLocality = new Map<string, Organisation[]>();
      for (const locality of new Set(localities)) byLocality.set(locality, await store.inLocality(locality));
      for (const orgs of byLocality.values()) for (const o of orgs) byKey.set(organisationKey(o.type, o.id), o);
      return {
        get: (type, id) => byKey.get(organisationKey(type, id)),
        inLocality: (locality) => byLocality.get(locality) ?? [],
      };
    },
  };
  return store;
}

export type DirectoryStore = ReturnType<typeof createDirectoryStore>;
