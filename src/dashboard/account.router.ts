import express, { Router, type Request, type RequestHandler } from 'express';
import { SESSION_COOKIE, loadSession, notSignedIn, rejectCrossSiteWrites } from '../access/auth';
import { checkCsrf, pageAuth } from '../access/page-auth';
import { pageErrors } from './page-errors';
import { jsonBody, requireJson, sessionCookieOptions } from '../access/session.router';
import type { SessionStore } from '../access/sessions.store';
import { ROLES, type UserStore } from '../access/users.store';
import { sendDashboardPage, type PageContext } from './views/common';
import { html, sendPage } from '../platform/html';
import { HttpProblem, notFound, validationProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { qrSvg } from '../access/totp';
import { confirmTotpSchema, type TotpEnrolment } from '../access/totp-enrolment';
import { changePasswordSchema, createUserSchema, userView, type UserAdmin } from '../access/user-admin';
import { accountView, recoveryCodesView, totpSetupView, usersView, type UsersPage } from './views/account';

export type AccountRouterDeps = {
  users: UserStore;
  sessions: SessionStore;
  admin: UserAdmin;
  enrolment: TotpEnrolment;
  secureCookies: boolean;
  /** Strict mode: TOTP is required of password accounts. */
  totpRequired: boolean;
  hasMail: boolean;
  now: () => Date;
};

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
const USER_ID = /^usr_[A-Za-z0-9]{20}$/;

/**
 * SPEC §8, the user's side of access and the admin's screens: TOTP set-up (API and page),
 * the own account and password page, and the users page for admins. A session that is only
 * for enrolling (strict mode, no TOTP yet) reaches the TOTP routes and nothing else.
 */
// eslint-disable-next-line max-lines-per-function -- a router: short handlers, registered in order (README, Layout: exceptions)
export function accountRouter(deps: AccountRouterDeps): Router {
  const router = Router();
  const load = loadSession(deps.sessions, deps.now);
  const signedIn = pageAuth(deps.sessions, deps.now);
  const cookie = sessionCookieOptions(deps.secureCookies);
  const who = (req: Request) => req.user ?? req.enrolling;
  const selfOrEnrolling: RequestHandler = (req, _res, next) => {
    if (!who(req)) throw notSignedIn();
    next();
  };
  const context = (req: Request): PageContext => ({ user: req.user!, path: req.path, hasMail: deps.hasMail });

  // The JSON API.
  router.post('/api/v1/session/totp', load, selfOrEnrolling, rejectCrossSiteWrites, async (req, res) => {
    const started = await withRedis(() => deps.enrolment.start(who(req)!.id));
    if (started === 'not-found') throw notSignedIn();
    if (started === 'enrolled') throw new HttpProblem(409, 'totp-enrolled', 'Conflict', 'One-time codes are set up already.');
    res.set('Cache-Control', 'no-store').json({ secret: started.secret, otpauthUri: started.uri });
  });

  router.put('/api/v1/session/totp', load, selfOrEnrolling, rejectCrossSiteWrites, requireJson, jsonBody, async (req, res) => {
    const parsed = confirmTotpSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const outcome = await withRedis(() => deps.enrolment.confirm(who(req)!.id, parsed.data.code, { token: req.sessionToken!, enrolling: !req.user }));
    if (outcome === 'wrong-code') throw validationProblem([{ path: 'code', message: 'is not right' }], 'The code is not right.');
    if (outcome === 'enrolled') throw new HttpProblem(409, 'totp-enrolled', 'Conflict', 'One-time codes are set up already.');
    if (outcome === 'not-started') throw new HttpProblem(409, 'totp-not-started', 'Conflict', 'Start with POST /api/v1/session/totp.');
    if (outcome.token) res.cookie(SESSION_COOKIE, outcome.token, cookie);
    res.set('Cache-Control', 'no-store').json({ recoveryCodes: outcome.recoveryCodes });
  });

  // Pages.

  const totpPage = async (req: Request, res: express.Response, error?: string) => {
    const started = await withRedis(() => deps.enrolment.start(who(req)!.id));
    if (started === 'not-found') return res.redirect(303, '/login');
    if (started === 'enrolled') return res.redirect(303, '/account');
    const body = totpSetupView({ qrSvg: await qrSvg(started.uri), secret: started.secret, csrfToken: who(req)!.csrfToken, required: deps.totpRequired, ...(error ? { error } : {}) });
    const status = error ? 422 : 200;
    if (req.user) return sendDashboardPage(res, context(req), 'Set up one-time codes', body, status);
    sendPage(res, status, 'Set up one-time codes', html`${body}<form method="post" action="/logout"><input type="hidden" name="csrf" value="${who(req)!.csrfToken}"><p><button class="button secondary" type="submit">Sign out</button></p></form>`);
  };

  router.get('/account/totp', load, async (req, res) => {
    if (!who(req)) return res.redirect(303, '/login');
    await totpPage(req, res);
  });

  router.post('/account/totp', load, form, async (req, res) => {
    if (!who(req)) return res.redirect(303, '/login');
    checkCsrf(req);
    const code = typeof req.body?.code === 'string' ? req.body.code.trim() : '';
    if (!/^\d{6}$/.test(code)) return totpPage(req, res, 'Enter the 6 digits the app shows.');
    const outcome = await withRedis(() => deps.enrolment.confirm(who(req)!.id, code, { token: req.sessionToken!, enrolling: !req.user }));
    if (outcome === 'wrong-code') return totpPage(req, res, 'That code is not right. Check the time on your phone and enter the code the app shows now.');
    if (outcome === 'enrolled' || outcome === 'not-started') return res.redirect(303, '/account');
    if (outcome.token) res.cookie(SESSION_COOKIE, outcome.token, cookie);
    sendPage(res, 200, 'One-time codes are set up', recoveryCodesView(outcome.recoveryCodes));
  });

  const accountPage = async (req: Request, res: express.Response, extra: { error?: string; changed?: boolean } = {}, status = 200) => {
    const user = await withRedis(() => deps.users.getById(req.user!.id));
    if (!user) return res.redirect(303, '/login');
    sendDashboardPage(res, context(req), 'Your account', accountView({ user: userView(user), csrfToken: req.user!.csrfToken, ...extra }), status);
  };

  router.get('/account', ...signedIn('admin', 'mash'), (req, res) => accountPage(req, res));

  router.post('/account/password', ...signedIn('admin', 'mash'), form, async (req, res) => {
    checkCsrf(req);
    const parsed = changePasswordSchema.safeParse({ currentPassword: req.body?.currentPassword || undefined, newPassword: req.body?.newPassword || undefined });
    if (!parsed.success) {
      const current = parsed.error.issues.some((i) => i.path[0] === 'currentPassword');
      return accountPage(req, res, { error: current ? 'Enter your current password.' : 'The new password must be at least 12 characters.' }, 422);
    }
    const outcome = await withRedis(() => deps.admin.changePassword(req.user!, parsed.data, { address: req.ip ?? '', token: req.sessionToken! }), 30_000);
    if (outcome === 'wrong-password') return accountPage(req, res, { error: 'Your current password is not right.' }, 422);
    if (typeof outcome === 'object') {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      return accountPage(req, res, { error: 'Too many attempts. Wait a few minutes and try again.' }, 429);
    }
    await accountPage(req, res, { changed: true });
  });

  const usersPage = async (req: Request, res: express.Response, extra: Partial<UsersPage> = {}, status = 200) => {
    const users = await withRedis(() => deps.users.list());
    sendDashboardPage(res, context(req), 'Users', usersView({ users: users.map(userView), csrfToken: req.user!.csrfToken, selfId: req.user!.id, ...extra }), status);
  };

  router.get('/dashboard/users', ...signedIn('admin'), (req, res) => usersPage(req, res));

  router.post('/dashboard/users', ...signedIn('admin'), form, async (req, res) => {
    checkCsrf(req);
    const body = req.body as Record<string, unknown>;
    const input = { email: body.email, name: body.name, role: body.role, ...(body.password ? { password: body.password } : {}) };
    const formBack = { email: String(body.email ?? '').slice(0, 254), name: String(body.name ?? '').slice(0, 100), role: String(body.role ?? '') };
    const parsed = createUserSchema.safeParse(input);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      return usersPage(req, res, { error: `${String(first.path[0])}: ${first.message}`, form: formBack }, 422);
    }
    const created = await withRedis(() => deps.admin.create(req.user!, parsed.data), 10_000);
    if (created === 'exists') return usersPage(req, res, { error: 'A user with this email address exists already.', form: formBack }, 409);
    await usersPage(req, res, { notice: `${created.name} has been added.` });
  });

  router.post('/dashboard/users/:id', ...signedIn('admin'), form, async (req, res) => {
    checkCsrf(req);
    const id = String(req.params.id);
    if (!USER_ID.test(id)) throw notFound('No such user.');
    const role = (ROLES as readonly string[]).includes(String(req.body?.role)) ? (req.body.role as (typeof ROLES)[number]) : undefined;
    const active = req.body?.active === 'true' ? true : req.body?.active === 'false' ? false : undefined;
    const resetTotp = req.body?.resetTotp === 'true' ? true : undefined;
    if (role === undefined && active === undefined && !resetTotp) return usersPage(req, res, { error: 'Choose a role or a status.' }, 422);
    const outcome = await withRedis(() => deps.admin.update(req.user!, id, { role, active, resetTotp }));
    if (outcome.kind === 'not-found') throw notFound('No such user.');
    if (outcome.kind === 'last-admin') return usersPage(req, res, { error: 'That would leave no active admin: make someone else admin first.' }, 409);
    if (outcome.user.id === req.user!.id && outcome.sessionsEnded > 0) return res.redirect(303, '/login');
    await usersPage(req, res, { notice: resetTotp ? `${outcome.user.name}: one-time codes reset; they set them up again at their next sign-in.` : `${outcome.user.name}: saved.` });
  });

  router.use(['/account', '/dashboard/users'], pageErrors);
  return router;
}
