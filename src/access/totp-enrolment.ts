import { z } from 'zod';
import { auditBeforeAnswer, type AuditLog } from './audit.store';
import type { SessionStore } from './sessions.store';
import type { UserStore } from './users.store';
import { moduleLogger } from '../platform/logger';
import { checkTotp, newRecoveryCodes, newTotpSecret, recoveryDigest, totpUri, type TotpCipher } from './totp';
import { userActor } from './actor';

const log = moduleLogger('totp');

/** `PUT /api/v1/session/totp`: the first code from the app. */
export const confirmTotpSchema = z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6 digits the app shows') });
/** `POST /api/v1/session/totp` answers the secret to put in the app (also as an otpauth:// URI for a QR code). */
export const totpSecretSchema = z.object({ secret: z.string(), otpauthUri: z.string() });
/** `PUT /api/v1/session/totp` answers the recovery codes, once. */
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });

export type TotpEnrolmentDeps = { users: UserStore; sessions: SessionStore; audit: AuditLog; cipher: TotpCipher; now: () => Date };

/**
 * Setting up TOTP (SPEC §8): `start` keeps a pending secret (encrypted) and shows it once per
 * enrolment; `confirm` takes a first code from the app, makes the secret the user's, and
 * answers ten single-use recovery codes, shown this once and stored only as digests.
 */
export function totpEnrolment(deps: TotpEnrolmentDeps) {
  return {
    /** The secret to show (the same one until confirmed, so a reload does not undo a scan), or 'enrolled'. */
    async start(userId: string): Promise<{ secret: string; uri: string } | 'enrolled' | 'not-found'> {
      const user = await deps.users.getById(userId);
      if (!user) return 'not-found';
      if (user.totp) return 'enrolled';
      const pending = user.pendingTotp && deps.cipher.open(user.pendingTotp);
      if (pending) return { secret: pending, uri: totpUri(pending, user.email) };
      const secret = newTotpSecret();
      const sealed = deps.cipher.seal(secret);
      const { user: after } = await deps.users.modify(user.email, (u) => (u.totp || u.pendingTotp ? undefined : { ...u, pendingTotp: sealed }));
      const kept = after?.pendingTotp && deps.cipher.open(after.pendingTotp);
      if (after?.totp || !kept) return 'enrolled';
      return { secret: kept, uri: totpUri(kept, user.email) };
    },

    /** The recovery codes when `code` fits the pending secret; the session (if it was for enrolling only) is then replaced by a full one. */
    async confirm(userId: string, code: string, session: { token: string; enrolling: boolean }): Promise<{ recoveryCodes: string[]; token?: string } | 'wrong-code' | 'enrolled' | 'not-started'> {
      const user = await deps.users.getById(userId);
      if (!user) return 'not-started';
      if (user.totp) return 'enrolled';
      const secret = user.pendingTotp && deps.cipher.open(user.pendingTotp);
      if (!secret) return 'not-started';
      const step = await checkTotp(secret, code.trim(), deps.now(), 0);
      if (step === undefined) return 'wrong-code';
      const recoveryCodes = newRecoveryCodes();
      const { outcome, user: enrolled } = await deps.users.modify(
        user.email,
        (u) => {
          if (u.totp || u.pendingTotp !== user.pendingTotp) return undefined;
          const { pendingTotp: _, ...rest } = u;
          return { ...rest, totp: { secret: u.pendingTotp!, lastStep: step }, recoveryCodes: recoveryCodes.map(recoveryDigest) };
        },
        // Audited before the enrolment is stored: when the log cannot be written, nothing is enrolled.
        (current) => auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: userActor(current), action: 'totp.enrol', subject: userActor(current) }),
      );
      if (outcome !== 'ok' || !enrolled) return 'enrolled';
      log.info({ userId: enrolled.id }, 'totp enrolled');
      if (!session.enrolling) return { recoveryCodes };
      await deps.sessions.delete(session.token);
      const started = await deps.sessions.create(enrolled, deps.users.keys.user(enrolled.email), deps.now());
      return started ? { recoveryCodes, token: started.token } : { recoveryCodes };
    },
  };
}

export type TotpEnrolment = ReturnType<typeof totpEnrolment>;
