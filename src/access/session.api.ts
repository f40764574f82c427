import type { ApiOperation } from '../platform/openapi';
import { signInSchema } from './session.router';

/** SPEC §8: sign-in for scripts; the JSON API then accepts the session cookie. */
export const sessionApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/session',
    tag: 'Session',
    summary: 'Sign in: sets the session cookie',
    auth: [],
    body: { schema: signInSchema },
    responses: { 204: { description: 'Signed in; the endeavor_session cookie is set (HttpOnly, SameSite=Strict)', headers: { 'Set-Cookie': 'The session cookie' } } },
    problems: { 401: 'Wrong email or password', 415: 'Not JSON', 422: 'Fails the schema', 429: 'Too many failed sign-ins; see Retry-After' },
  },
  {
    method: 'delete',
    path: '/api/v1/session',
    tag: 'Session',
    summary: 'Sign out',
    auth: [],
    responses: { 204: { description: 'Signed out; the cookie is cleared' } },
  },
];
