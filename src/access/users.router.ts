import { Router, type RequestHandler } from 'express';
import { HttpProblem, notFound, validationProblem } from '../platform/problem';
import { withRedis } from '../platform/redis';
import { fieldErrors } from '../platform/validation';
import { currentUser } from './auth';
import { jsonBody, requireJson } from './session.router';
import type { UserStore } from './users.store';
import { changePasswordSchema, createUserSchema, updateUserSchema, userView, type UserAdmin } from './user-admin';

export type UsersRouterDeps = {
  users: UserStore;
  admin: UserAdmin;
  /** `auth('admin')` etc.: session, role, cross-site writes refused. */
  auth: (...roles: ('admin' | 'mash')[]) => RequestHandler[];
};

const lastAdmin = () => new HttpProblem(409, 'last-admin', 'Conflict', 'This would leave no active admin: make someone else admin first.');

/**
 * SPEC §8 access: `GET|POST /api/v1/users`, `PATCH /api/v1/users/{id}` (admin), and
 * `PUT /api/v1/session/password` (everyone, their own).
 */
export function usersRouter(deps: UsersRouterDeps): Router {
  const router = Router();
  const admin = deps.auth('admin');

  router.get('/api/v1/users', ...admin, async (_req, res) => {
    const users = await withRedis(() => deps.users.list());
    res.set('Cache-Control', 'no-store').json({ users: users.map(userView) });
  });

  router.post('/api/v1/users', ...admin, requireJson, jsonBody, async (req, res) => {
    const parsed = createUserSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const created = await withRedis(() => deps.admin.create(currentUser(req), parsed.data), 10_000);
    if (created === 'exists') throw new HttpProblem(409, 'user-exists', 'Conflict', 'A user with this email address exists already.');
    const { id, email, name, role, active } = created;
    res.status(201).set('Cache-Control', 'no-store').location(`/api/v1/users/${id}`).json({ id, email, name, role, active });
  });

  router.patch('/api/v1/users/:id', ...admin, requireJson, jsonBody, async (req, res) => {
    const parsed = updateUserSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const outcome = await withRedis(() => deps.admin.update(currentUser(req), String(req.params.id), parsed.data));
    if (outcome.kind === 'not-found') throw notFound('No such user.');
    if (outcome.kind === 'last-admin') throw lastAdmin();
    res.set('Cache-Control', 'no-store').json(userView(outcome.user));
  });

  router.put('/api/v1/session/password', ...deps.auth('admin', 'mash'), requireJson, jsonBody, async (req, res) => {
    const parsed = changePasswordSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(fieldErrors(parsed.error));
    const outcome = await withRedis(() => deps.admin.changePassword(currentUser(req), parsed.data, { address: req.ip ?? '', token: req.sessionToken! }), 30_000);
    if (outcome === 'wrong-password') throw validationProblem([{ path: 'currentPassword', message: 'is not right' }], 'The current password is not right.');
    if (typeof outcome === 'object') throw new HttpProblem(429, 'rate-limited', 'Too Many Requests', 'Too many attempts; wait and try again.', { retryAfterSeconds: outcome.retryAfterSeconds });
    res.status(204).end();
  });

  return router;
}
