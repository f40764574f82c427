import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import { defineScripts } from '../platform/scripts';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './password';

/** SPEC §8: `admin` runs the directory and users; `mash` (the MASH education worker) watches and acts on deliveries. */
export const ROLES = ['admin', 'mash'] as const;
export type Role = (typeof ROLES)[number];

export type User = {
  /** `usr_` and 20 random characters: what logs, the audit log and URLs name a user by. */
  id: string;
  /** Lower-cased: one account per mailbox whatever the capitalisation typed. */
  email: string;
  name: string;
  role: Role;
  /** A deactivated user cannot sign in by any means and has no sessions. */
  active: boolean;
  /** `scrypt$N$r$p$salt$hash`, never the password; empty for an account that signs in only through the council's provider. */
  passwordHash: string;
  createdAt: string;
  /** TOTP (RFC 6238) once enrolled: the secret encrypted (src/access/totp.ts) and the last time step accepted, so a code works once. */
  totp?: { secret: string; lastStep: number };
  /** An enrolment not yet confirmed by a first code (encrypted secret). */
  pendingTotp?: string;
  /** SHA-256 digests of the unused recovery codes. */
  recoveryCodes?: string[];
};

/** The account already exists; the caller decides whether that is an error. */
export class UserExistsError extends Error {
  override name = 'UserExistsError';
}

/**
 * Creates the user only if its key is free and, with `ifNoUsers`, only if there are no users
 * at all: two processes starting together cannot both create "the first admin".
 */
const CREATE_USER = `
if ARGV[3] == '1' and redis.call('SCARD', KEYS[2]) > 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[2])
return 1
`;

/**
 * Compare-and-set of one user record. With ARGV[3] = '1' the change takes an active admin
 * away, and is refused (-1) unless another active admin remains: two admins demoting each
 * other at once cannot leave nobody to run the service. Users are few; the scan is cheap.
 */
const REPLACE_USER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then
  local others = 0
  for _, email in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local key = ARGV[4] .. email
    if key ~= KEYS[1] then
      local json = redis.call('GET', key)
      if json then
        local user = cjson.decode(json)
        if user.role == 'admin' and user.active ~= false then others = others + 1 end
      end
    end
  end
  if others == 0 then return -1 end
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
return 1
`;

const normalise = (email: string) => email.trim().toLowerCase();
const newUserId = () => `usr_${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x')}`;

/** A record as stored before users had ids, names and an active flag reads with these defaults. */
function withDefaults(stored: Partial<User> & { email: string; role: Role; passwordHash: string; createdAt: string }): Omit<User, 'id'> & { id?: string } {
  return { ...stored, name: stored.name ?? stored.email, active: stored.active ?? true };
}

/** The dashboard's user accounts: one JSON document per user, a set of all emails and an id → email index. */
// eslint-disable-next-line max-lines-per-function -- a store factory: a set of small methods over its keys (README, Layout: exceptions)
export function createUserStore(redis: RedisClient, prefix: string) {
  const keys = {
    user: (email: string) => `${prefix}:user:${normalise(email)}`,
    all: `${prefix}:users`,
    byId: (id: string) => `${prefix}:user-id:${id}`,
  };
  const scripts = defineScripts(redis, { userCreate: { numberOfKeys: 3, lua: CREATE_USER }, userReplace: { numberOfKeys: 3, lua: REPLACE_USER } });

  async function insert(
    user: { email: string; name?: string; role: Role; password?: string },
    now: Date,
    ifNoUsers: boolean,
    beforeWrite?: (record: User) => Promise<void>,
  ): Promise<User | 'exists' | 'not-first'> {
    const record: User = {
      id: newUserId(),
      email: normalise(user.email),
      name: user.name?.trim() || normalise(user.email),
      role: user.role,
      active: true,
      passwordHash: user.password ? await hashPassword(user.password) : '',
      createdAt: now.toISOString(),
    };
    if (beforeWrite) {
      if (await redis.exists(keys.user(record.email))) return 'exists';
      await beforeWrite(record);
    }
    const outcome = (await scripts.run('userCreate', [keys.user(record.email), keys.all, keys.byId(record.id)], [JSON.stringify(record), record.email, ifNoUsers ? '1' : '0'])) as number;
    if (outcome === 0) return 'not-first';
    if (outcome === -1) return 'exists';
    return record;
  }

  /** Writes `next` over `current` if nobody changed it meanwhile; 'conflict' when somebody did, 'last-admin' when refused. */
  async function replace(current: User, next: User, stored: string, writeIndex = false): Promise<'ok' | 'conflict' | 'last-admin'> {
    const losesAdmin = current.role === 'admin' && current.active && (next.role !== 'admin' || !next.active);
    const outcome = (await scripts.run(
      'userReplace',
      [keys.user(current.email), keys.all, keys.byId(next.id)],
      [stored, JSON.stringify(next), losesAdmin ? '1' : '0', `${prefix}:user:`, writeIndex ? next.email : ''],
    )) as number;
    return outcome === 1 ? 'ok' : outcome === -1 ? 'last-admin' : 'conflict';
  }

  /** The record and its stored text; a record from before ids gets its id here, once (migration-free). */
  async function load(email: string): Promise<{ user: User; stored: string } | undefined> {
    for (;;) {
      const json = await redis.get(keys.user(email));
      if (!json) return undefined;
      const user = withDefaults(JSON.parse(json));
      if (user.id) return { user: user as User, stored: json };
      const upgraded = { ...user, id: newUserId() } as User;
      const outcome = await replace(upgraded, upgraded, json, true);
      if (outcome === 'ok') return { user: upgraded, stored: JSON.stringify(upgraded) };
    }
  }

  /**
   * Applies `change` to the user's record atomically (compare-and-set, retried on a concurrent
   * change). `change` answers the next record, or undefined to leave it alone. `beforeWrite`
   * runs before the record is written (the audit entry: when it throws, nothing changes).
   */
  async function modify(
    email: string,
    change: (user: User) => User | undefined,
    beforeWrite?: (current: User, next: User) => Promise<void>,
  ): Promise<{ outcome: 'ok' | 'unchanged' | 'not-found' | 'last-admin'; user?: User }> {
    let written = false;
    for (;;) {
      const loaded = await load(email);
      if (!loaded) return { outcome: 'not-found' };
      const next = change(loaded.user);
      if (!next) return { outcome: 'unchanged', user: loaded.user };
      // Once per change, not once per compare-and-set round.
      if (beforeWrite && !written) {
        await beforeWrite(loaded.user, next);
        written = true;
      }
      const outcome = await replace(loaded.user, next, loaded.stored);
      if (outcome === 'ok') return { outcome: 'ok', user: next };
      if (outcome === 'last-admin') return { outcome, user: loaded.user };
    }
  }

  const store = {
    keys,
    modify,

    async get(email: string): Promise<User | undefined> {
      return (await load(email))?.user;
    },

    async getById(id: string): Promise<User | undefined> {
      if (!/^usr_[A-Za-z0-9]{20}$/.test(id)) return undefined;
      const email = await redis.get(keys.byId(id));
      const user = email ? await store.get(email) : undefined;
      return user?.id === id ? user : undefined;
    },

    /** Every user, by email. */
    async list(): Promise<User[]> {
      const emails = (await redis.smembers(keys.all)).sort();
      const users = await Promise.all(emails.map((email) => store.get(email)));
      return users.filter((u): u is User => u !== undefined);
    },

    async count(): Promise<number> {
      return redis.scard(keys.all);
    },

    /**
     * Creates a user (the users API, tests, `create-user`); throws UserExistsError for a taken
     * email. `beforeWrite` runs once the record (and its id) is made, before it is stored.
     */
    async createUser(user: { email: string; name?: string; role: Role; password?: string }, now: Date, beforeWrite?: (record: User) => Promise<void>): Promise<User> {
      const created = await insert(user, now, false, beforeWrite);
      if (typeof created === 'string') throw new UserExistsError('a user with this email already exists');
      return created;
    },

    /**
     * SPEC §2 `ADMIN_EMAIL`/`ADMIN_PASSWORD`: creates the first admin when there are no users
     * at all, and never a second one (a later change of the variables changes nothing).
     */
    async ensureAdmin(admin: { email: string; password: string } | undefined, now: Date): Promise<{ created: boolean }> {
      if (!admin || (await store.count()) > 0) return { created: false };
      const created = await insert({ ...admin, role: 'admin' }, now, true);
      return { created: typeof created !== 'string' };
    },

    /**
     * The user when the password is right, else undefined. An unknown email (or an account
     * without a password) costs the same scrypt work as a wrong password, so timing does not
     * reveal who has an account.
     */
    async verify(email: string, password: string): Promise<User | undefined> {
      const user = await store.get(email);
      if (!user || !user.passwordHash) return verifyAgainstNothing(password).then(() => undefined);
      return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
    },
  };
  return store;
}

export type UserStore = ReturnType<typeof createUserStore>;
