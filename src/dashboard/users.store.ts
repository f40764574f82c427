import type { RedisClient } from '../platform/redis';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './password';

/** SPEC §8: `admin` runs the directory and users; `mash` (the MASH education worker) watches and acts on deliveries. */
export const ROLES = ['admin', 'mash'] as const;
export type Role = (typeof ROLES)[number];

export type User = {
  /** Lower-cased: one account per mailbox whatever the capitalisation typed. */
  email: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  passwordHash: string;
  createdAt: string;
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
return 1
`;

const normalise = (email: string) => email.trim().toLowerCase();

/** The dashboard's user accounts: one JSON document per user plus a set of all emails. */
export function createUserStore(redis: RedisClient, prefix: string) {
  const keys = {
    user: (email: string) => `${prefix}:user:${normalise(email)}`,
    all: `${prefix}:users`,
  };

  async function insert(user: { email: string; role: Role; password: string }, now: Date, ifNoUsers: boolean): Promise<User | 'exists' | 'not-first'> {
    const record: User = {
      email: normalise(user.email),
      role: user.role,
      passwordHash: await hashPassword(user.password),
      createdAt: now.toISOString(),
    };
    const outcome = (await redis.eval(CREATE_USER, 2, keys.user(record.email), keys.all, JSON.stringify(record), record.email, ifNoUsers ? '1' : '0')) as number;
    if (outcome === 0) return 'not-first';
    if (outcome === -1) return 'exists';
    return record;
  }

  const store = {
    keys,

    async get(email: string): Promise<User | undefined> {
      const json = await redis.get(keys.user(email));
      return json ? (JSON.parse(json) as User) : undefined;
    },

    async count(): Promise<number> {
      return redis.scard(keys.all);
    },

    /** Creates a user (tests, `npm run directory -- create-user`); throws UserExistsError for a taken email. */
    async createUser(user: { email: string; role: Role; password: string }, now: Date): Promise<User> {
      const created = await insert(user, now, false);
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
     * The user when the password is right, else undefined. An unknown email costs the same
     * scrypt work as a wrong password, so timing does not reveal who has an account.
     */
    async verify(email: string, password: string): Promise<User | undefined> {
      const user = await store.get(email);
      if (!user) return verifyAgainstNothing(password).then(() => undefined);
      return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
    },
  };
  return store;
}

export type UserStore = ReturnType<typeof createUserStore>;
