import { z } from 'zod';
import { auditBeforeAnswer, type AuditEntry, type AuditLog } from './audit.store';
import { hashPassword } from './password';
import type { SessionStore } from './sessions.store';
import { ROLES, UserExistsError, type Role, type User, type UserStore } from './users.store';
import { moduleLogger } from '../platform/logger';
import type { SignInLimits } from './sign-in-limits';
import { singleLineText } from '../platform/text';
import { userActor } from './actor';

const log = moduleLogger('users');

/** A new password: long rather than clever (NCSC advice), at most 1024 characters to bound scrypt's input. */
export const newPasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024)
  .refine((p) => !isGuessablePassword(p), 'is too easy to guess: a few words of your own make a good one');

/**
 * NCSC: refuse what attackers try first. One character or a few repeated (`aaaa…`), a counting
 * sequence (`123456789012`), or a well-known word with digits or symbols after it (`password123`).
 */
function isGuessablePassword(password: string): boolean {
  const lower = password.toLowerCase();
  if (new Set(lower).size < 5) return true;
  if (/^(?:0?1234567890?)+\d*$|^(?:abcdefghij?)+$/.test(lower)) return true;
  return /^(?:password|passw0rd|qwerty(?:uiop)?|letmein|welcome|admin(?:istrator)?|iloveyou|monkey|dragon|football)[\d\W_]*$/.test(lower);
}

/** `POST /api/v1/users`: a named person the admin lets in. Without a password they sign in only through the council's provider. */
export const createUserSchema = z.strictObject({
  email: z.email().max(254),
  name: singleLineText(100),
  role: z.enum(ROLES),
  password: newPasswordSchema.optional(),
});

/** `PATCH /api/v1/users/{id}`. */
export const updateUserSchema = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    active: z.boolean().optional(),
    resetTotp: z.literal(true).optional().describe('forget the TOTP enrolment and recovery codes (a lost phone): the user sets up one-time codes again at the next password sign-in'),
  })
  .refine((v) => v.role !== undefined || v.active !== undefined || v.resetTotp !== undefined, 'give role, active, resetTotp or a combination');

export type UserChange = { role?: Role | undefined; active?: boolean | undefined; resetTotp?: true | undefined };

/** Whether the user has TOTP set up, or half set up: what a reset takes away. */
const hasTotp = (user: User) => user.totp !== undefined || user.pendingTotp !== undefined || (user.recoveryCodes?.length ?? 0) > 0;

/** The record after `change`: TOTP reset drops the secret, an enrolment under way and the recovery codes. */
function changed(user: User, change: UserChange): User {
  const next: User = { ...user };
  if (change.resetTotp) {
    delete next.totp;
    delete next.pendingTotp;
    delete next.recoveryCodes;
  }
  if (change.role !== undefined) next.role = change.role;
  if (change.active !== undefined) next.active = change.active;
  return next;
}

/** `PUT /api/v1/session/password`. */
export const changePasswordSchema = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: newPasswordSchema });

/** A user as the users API answers it: never a hash, secret or recovery code. */
export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  active: z.boolean(),
  createdAt: z.string(),
  totp: z.boolean().describe('whether TOTP is set up'),
  password: z.boolean().describe('whether the user has a password (else single sign-on only)'),
});
export type UserView = z.infer<typeof userViewSchema>;

export const userView = (user: User): UserView => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  active: user.active,
  createdAt: user.createdAt,
  totp: user.totp !== undefined,
  password: user.passwordHash !== '',
});

export type Actor = { id: string };

/** The audit entry of a new account, whoever made it: an admin (`user:<id>`), `cli` or `system`. */
export const userCreatedEntry = (actor: string, user: User, at: Date, note?: string): AuditEntry => ({
  at: at.toISOString(),
  actor,
  action: 'user.create',
  subject: userActor(user),
  detail: [`role ${user.role}`, ...(user.passwordHash ? [] : ['no password']), ...(note ? [note] : [])].join('; '),
});

export type UserAdminDeps = { users: UserStore; sessions: SessionStore; audit: AuditLog; limits: SignInLimits; now: () => Date };

export type UpdateOutcome = { kind: 'updated'; user: User; sessionsEnded: number } | { kind: 'not-found' } | { kind: 'last-admin' };

/**
 * SPEC §8 access administration: creating users, changing role or active, resetting a lost
 * phone's TOTP, changing one's own password. Every change is audited by user id; a deactivation,
 * role change or TOTP reset ends all the user's sessions at once (they sign in again with what
 * they now may do, or set up one-time codes again).
 */
// eslint-disable-next-line max-lines-per-function -- a service factory: a set of small methods over shared state (README, Layout: exceptions)
export function userAdmin(deps: UserAdminDeps) {
  const audit = (actor: Actor, action: string, subject: User, detail?: string) =>
    auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: userActor(actor), action, subject: userActor(subject), ...(detail ? { detail } : {}) });

  return {
    /** The new user, or 'exists' for a taken email. */
    async create(actor: Actor, input: z.infer<typeof createUserSchema>): Promise<User | 'exists'> {
      try {
        // Audited before it is stored: an account the log cannot name is not made.
        const user = await deps.users.createUser(input, deps.now(), (record) => auditBeforeAnswer(deps.audit, userCreatedEntry(userActor(actor), record, deps.now())));
        log.info({ userId: user.id, by: actor.id }, 'user created');
        return user;
      } catch (err) {
        if (err instanceof UserExistsError) return 'exists';
        throw err;
      }
    },

    async update(actor: Actor, id: string, change: UserChange): Promise<UpdateOutcome> {
      const target = await deps.users.getById(id);
      if (!target) return { kind: 'not-found' };
      // Audited before the write (a refused last-admin change is then recorded too, as refused).
      const result = await deps.users.modify(
        target.email,
        (u) => {
          const next = changed(u, change);
          return next.role === u.role && next.active === u.active && hasTotp(next) === hasTotp(u) ? undefined : next;
        },
        (before, next) => audit(actor, 'user.update', next, updateSummary(before, next)),
      );
      if (result.outcome === 'not-found') return { kind: 'not-found' };
      if (result.outcome === 'last-admin') return { kind: 'last-admin' };
      const user = result.user!;
      if (result.outcome === 'unchanged') return { kind: 'updated', user, sessionsEnded: 0 };
      const sessionsEnded = await deps.sessions.endAll(user.id);
      log.info({ userId: user.id, by: actor.id, sessionsEnded }, 'user updated');
      return { kind: 'updated', user, sessionsEnded };
    },

    /**
     * The signed-in user's own password. The current password is checked under the sign-in
     * limits (a stolen session cookie must not become a password oracle); the user's other
     * sessions end.
     */
    async changePassword(actor: Actor, input: z.infer<typeof changePasswordSchema>, context: { address: string; token: string }): Promise<'changed' | 'wrong-password' | { retryAfterSeconds: number }> {
      const user = await deps.users.getById(actor.id);
      if (!user) return 'wrong-password';
      const subject = { email: user.email, address: context.address };
      const wait = await deps.limits.take(subject);
      if (wait > 0) return { retryAfterSeconds: wait };
      const verified = await deps.users.verify(user.email, input.currentPassword);
      if (!verified || verified.id !== user.id) {
        await audit(actor, 'password.change-failed', user);
        return 'wrong-password';
      }
      await deps.limits.refund(subject);
      const passwordHash = await hashPassword(input.newPassword);
      await deps.users.modify(
        user.email,
        (u) => ({ ...u, passwordHash }),
        () => audit(actor, 'password.change', user, 'other sessions ended'),
      );
      const sessionsEnded = await deps.sessions.endAll(user.id, context.token);
      log.info({ userId: user.id, sessionsEnded }, 'password changed');
      return 'changed';
    },
  };
}

export type UserAdmin = ReturnType<typeof userAdmin>;

/** What a change of role, active or TOTP does, for its audit entry; every one ends the user's sessions. */
function updateSummary(before: User, next: User): string {
  return [
    before.role !== next.role ? `role ${before.role} to ${next.role}` : '',
    before.active !== next.active ? (next.active ? 'reactivated' : 'deactivated') : '',
    hasTotp(before) && !hasTotp(next) ? 'TOTP reset' : '',
    'sessions ended',
  ]
    .filter(Boolean)
    .join('; ');
}
