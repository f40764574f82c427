import { randomBytes } from 'node:crypto';
import { moduleLogger } from '../platform/logger';
import type { AuditLog } from './audit.store';
import type { UserStore } from './users.store';
import { SYSTEM_ACTOR } from './actor';
import { userCreatedEntry } from './user-admin';

const log = moduleLogger('users');

export const DEVELOPMENT_ADMIN_EMAIL = 'admin@endeavor.test';

export type FirstAdmin =
  | { kind: 'configured'; created: boolean }
  | { kind: 'development'; email: string; password: string }
  | { kind: 'none' };

/**
 * Makes sure someone can sign in. With ADMIN_EMAIL/ADMIN_PASSWORD, that admin is created when
 * there are no users (SPEC §2). With `developmentAdmin` (`npm start` outside strict mode), neither
 * set and no users at all, a development admin on a `.test` address gets a random password that
 * the caller shows once: `npm start` then needs no set-up, and no fixed password ever exists to be
 * left switched on. Otherwise nothing is invented: the operator sets ADMIN_EMAIL or runs
 * `create-user` (the api of the image and compose, whose stdout goes to a log store, prints none).
 */
export async function ensureFirstAdmin(
  stores: { users: UserStore; audit: AuditLog },
  config: { admin: { email: string; password: string } | undefined; developmentAdmin: boolean },
  now: Date,
): Promise<FirstAdmin> {
  const { users } = stores;
  // Audited as the system: no one signed in made this account.
  const audit = async (email: string, note: string) => {
    const user = await users.get(email);
    if (user) await stores.audit.append(userCreatedEntry(SYSTEM_ACTOR, user, now, note));
  };
  if (config.admin) {
    const { created } = await users.ensureAdmin(config.admin, now);
    if (created) {
      await audit(config.admin.email, 'first admin from ADMIN_EMAIL');
      log.info({ source: 'ADMIN_EMAIL' }, 'first admin created');
    }
    return { kind: 'configured', created };
  }
  if (!config.developmentAdmin) {
    if ((await users.count()) === 0) log.warn('no dashboard users: set ADMIN_EMAIL and ADMIN_PASSWORD, or run create-user');
    return { kind: 'none' };
  }
  const password = randomBytes(18).toString('base64url');
  const { created } = await users.ensureAdmin({ email: DEVELOPMENT_ADMIN_EMAIL, password }, now);
  if (!created) return { kind: 'none' };
  await audit(DEVELOPMENT_ADMIN_EMAIL, 'development admin');
  log.warn({ source: 'development' }, 'development admin created; its password is printed once');
  return { kind: 'development', email: DEVELOPMENT_ADMIN_EMAIL, password };
}

/** The one-time notice for stdout. Not a log line: logs never carry secrets. */
export function developmentAdminNotice(admin: { email: string; password: string }): string {
  return [
    '',
    '  DEVELOPMENT ONLY: created a dashboard admin because there were no users and ADMIN_EMAIL is unset.',
    `    email:    ${admin.email}`,
    `    password: ${admin.password}`,
    '  This password is shown once and never again. Set ADMIN_EMAIL/ADMIN_PASSWORD in production.',
    '',
    '',
  ].join('\n');
}
