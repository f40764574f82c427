import { z } from 'zod';
import type { ApiOperation } from '../platform/openapi';
import { confirmTotpSchema, recoveryCodesSchema, totpSecretSchema } from './totp-enrolment';
import { changePasswordSchema, createUserSchema, updateUserSchema, userViewSchema } from './user-admin';

/** SPEC §8 "Access": the users the admin has named, and each user's own password and TOTP. */
export const accessApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/users',
    tag: 'Access',
    summary: 'List dashboard users (admin)',
    auth: ['session'],
    responses: { 200: { schema: z.object({ users: z.array(userViewSchema) }) } },
    problems: { 401: 'Not signed in', 403: 'Not an admin' },
  },
  {
    method: 'post',
    path: '/api/v1/users',
    tag: 'Access',
    summary: 'Name a new dashboard user (admin)',
    auth: ['session'],
    body: { schema: createUserSchema },
    responses: { 201: { schema: userViewSchema, headers: { Location: 'The new user' } } },
    problems: { 401: 'Not signed in', 403: 'Not an admin', 409: 'A user with this email exists', 415: 'Not JSON', 422: 'Fails the schema' },
  },
  {
    method: 'patch',
    path: '/api/v1/users/:id',
    tag: 'Access',
    summary: 'Change a user’s role, deactivate them or reset their TOTP for a lost phone (admin); each ends all their sessions at once',
    auth: ['session'],
    pathParams: { id: { description: 'The user id (usr_…)' } },
    body: { schema: updateUserSchema },
    responses: { 200: { schema: userViewSchema } },
    problems: { 401: 'Not signed in', 403: 'Not an admin', 404: 'No such user', 409: 'It would leave no active admin', 415: 'Not JSON', 422: 'Fails the schema' },
  },
  {
    method: 'put',
    path: '/api/v1/session/password',
    tag: 'Access',
    summary: 'Change your own password; your other sessions end',
    auth: ['session'],
    body: { schema: changePasswordSchema },
    responses: { 204: { description: 'Changed' } },
    problems: { 401: 'Not signed in', 415: 'Not JSON', 422: 'Fails the schema, or the current password is not right', 429: 'Too many attempts; see Retry-After' },
  },
  {
    method: 'post',
    path: '/api/v1/session/totp',
    tag: 'Access',
    summary: 'Start TOTP enrolment: the secret to put in an authenticator app',
    auth: ['session'],
    responses: { 200: { schema: totpSecretSchema } },
    problems: { 401: 'Not signed in', 409: 'One-time codes are set up already' },
  },
  {
    method: 'put',
    path: '/api/v1/session/totp',
    tag: 'Access',
    summary: 'Confirm TOTP enrolment with the first code: answers the recovery codes, once',
    auth: ['session'],
    body: { schema: confirmTotpSchema },
    responses: { 200: { schema: recoveryCodesSchema } },
    problems: { 401: 'Not signed in', 409: 'No enrolment started, or set up already', 415: 'Not JSON', 422: 'Fails the schema, or the code is wrong' },
  },
];
