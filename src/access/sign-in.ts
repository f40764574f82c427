import { auditBeforeAnswer, type AuditLog } from './audit.store';
import type { SessionStore } from './sessions.store';
import type { User, UserStore } from './users.store';
import { moduleLogger } from '../platform/logger';
import type { SignInLimits } from './sign-in-limits';
import { checkTotp, findRecoveryCode, type TotpCipher } from './totp';
import { userActor } from './actor';

const log = moduleLogger('sign-in');

export type SignInDeps = {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
  limits: SignInLimits;
  cipher: TotpCipher;
  /** Strict mode: password accounts must have TOTP (SPEC §8). */
  requireTotp: boolean;
  now: () => Date;
};

export type Credentials = { email: string; password: string; code?: string | undefined };

export type SignInOutcome =
  /** `stage: 'enrol'`: signed in only to set up TOTP. */
  | { kind: 'signed-in'; token: string; user: User; stage?: 'enrol' }
  | { kind: 'refused' }
  | { kind: 'throttled'; retryAfterSeconds: number };

/**
 * The one sign-in flow behind `POST /api/v1/session` and the `/login` form (SPEC §8):
 *
 * 1. count the attempt against the account and the address, atomically, before anything is
 *    checked (429 when either is spent);
 * 2. check the password (scrypt; an unknown email costs the same);
 * 3. check the one-time code when the user has TOTP: a code whose time step is later than the
 *    last accepted one, or an unused recovery code, each consumed by a compare-and-set;
 * 4. start the session; give back this attempt's count.
 *
 * Every refusal looks the same to the caller, whichever step said no. Each attempt that
 * reached step 2 is audited (`sign-in` or `sign-in.failed`), by user id; a failure for an
 * unknown email records no email at all.
 */
// eslint-disable-next-line max-lines-per-function -- a service factory: a set of small methods over shared state (README, Layout: exceptions)
export function signInService(deps: SignInDeps) {
  const audit = (action: string, user: User | undefined, detail?: string) =>
    auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: user ? userActor(user) : 'anonymous', action, subject: user ? userActor(user) : 'unknown-account', ...(detail ? { detail } : {}) });

  async function consumeCode(user: User, code: string): Promise<'totp' | 'recovery' | undefined> {
    if (/^\d{6}$/.test(code)) {
      const secret = user.totp && deps.cipher.open(user.totp.secret);
      const step = secret ? await checkTotp(secret, code, deps.now(), user.totp!.lastStep) : undefined;
      if (step === undefined) return undefined;
      // Two requests with the same code race here: the compare-and-set lets one through.
      const { outcome } = await deps.users.modify(user.email, (u) => (u.totp && step > u.totp.lastStep ? { ...u, totp: { ...u.totp, lastStep: step } } : undefined));
      return outcome === 'ok' ? 'totp' : undefined;
    }
    if (findRecoveryCode(user.recoveryCodes ?? [], code) < 0) return undefined;
    const { outcome } = await deps.users.modify(user.email, (u) => {
      const at = findRecoveryCode(u.recoveryCodes ?? [], code);
      return at < 0 ? undefined : { ...u, recoveryCodes: (u.recoveryCodes ?? []).filter((_, i) => i !== at) };
    });
    return outcome === 'ok' ? 'recovery' : undefined;
  }

  async function startSession(user: User, previousToken: string | undefined, stage?: 'enrol') {
    if (previousToken) await deps.sessions.delete(previousToken);
    return deps.sessions.create(user, deps.users.keys.user(user.email), deps.now(), stage);
  }

  return {
    async withPassword(credentials: Credentials, context: { address: string; previousToken?: string | undefined }): Promise<SignInOutcome> {
      const subject = { email: credentials.email, address: context.address };
      const wait = await deps.limits.take(subject);
      if (wait > 0) {
        log.info({ outcome: 'throttled' }, 'sign-in refused');
        return { kind: 'throttled', retryAfterSeconds: wait };
      }
      const refuse = async (user: User | undefined, reason: string): Promise<SignInOutcome> => {
        await audit('sign-in.failed', user, reason);
        log.info({ outcome: 'failed', reason, ...(user ? { userId: user.id } : {}) }, 'sign-in refused');
        return { kind: 'refused' };
      };

      const user = await deps.users.verify(credentials.email, credentials.password);
      if (!user) return refuse(await deps.users.get(credentials.email), 'password');
      if (!user.active) return refuse(user, 'inactive');
      let stage: 'enrol' | undefined;
      let factor = 'password';
      if (user.totp) {
        const used = credentials.code ? await consumeCode(user, credentials.code.trim()) : undefined;
        if (!used) return refuse(user, credentials.code ? 'code' : 'no-code');
        factor = `password+${used}`;
      } else if (deps.requireTotp) {
        stage = 'enrol';
      }
      const started = await startSession(user, context.previousToken, stage);
      if (!started) return refuse(user, 'inactive');
      await deps.limits.refund(subject);
      await audit('sign-in', user, stage ? `${factor}; TOTP enrolment required` : factor);
      log.info({ userId: user.id, role: user.role, ...(stage ? { stage } : {}) }, 'signed in');
      return { kind: 'signed-in', token: started.token, user, ...(stage ? { stage } : {}) };
    },

    /** Single sign-on (OIDC): the provider vouched for this email; it must name an active user. */
    async withVerifiedEmail(email: string, previousToken: string | undefined): Promise<SignInOutcome> {
      const user = await deps.users.get(email);
      if (!user || !user.active) {
        await audit('sign-in.failed', user, user ? 'sso; inactive' : 'sso; no such user');
        return { kind: 'refused' };
      }
      const started = await startSession(user, previousToken);
      if (!started) {
        await audit('sign-in.failed', user, 'sso; inactive');
        return { kind: 'refused' };
      }
      await audit('sign-in', user, 'sso');
      log.info({ userId: user.id, role: user.role }, 'signed in');
      return { kind: 'signed-in', token: started.token, user };
    },

    /** A single sign-on that failed before any user could be named (bad state, unverified email): audited without an email. */
    async ssoRefused(reason: string): Promise<void> {
      await audit('sign-in.failed', undefined, reason);
      log.info({ outcome: 'failed', reason: 'sso' }, 'sign-in refused');
    },

    async signOut(token: string): Promise<void> {
      const session = await deps.sessions.get(token, deps.now());
      await deps.sessions.delete(token);
      if (session) await auditBeforeAnswer(deps.audit, { at: deps.now().toISOString(), actor: userActor({ id: session.userId }), action: 'sign-out', subject: userActor({ id: session.userId }) });
    },
  };
}

export type SignInService = ReturnType<typeof signInService>;
