import express, { type Request, type RequestHandler } from 'express';
import type { SessionStore } from '../access/sessions.store';
import type { Role } from '../access/users.store';
import { actorOf } from '../access/actor';
import { pageAuth } from '../access/page-auth';
import type { PageContext } from './views/common';

/** What every dashboard page router shares: the guards, the page context and the audit actor. */
export type PageKit = {
  signedIn: (...roles: Role[]) => RequestHandler[];
  /** Dashboard users: admin and mash. */
  staff: RequestHandler[];
  context: (req: Request) => PageContext;
  actor: (req: Request) => string;
};

export function pageKit(sessions: SessionStore, hasMail: boolean, now: () => Date): PageKit {
  const signedIn = pageAuth(sessions, now);
  return {
    signedIn,
    staff: signedIn('admin', 'mash'),
    context: (req) => ({ user: req.user!, path: req.path, hasMail }),
    actor: (req) => actorOf(req.user!),
  };
}

/** A small form (a retry button, a CSRF token and where to go back to). */
export const smallForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

/** A query parameter as a trimmed string, '' when absent or repeated. */
export const queryString = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).trim() : '');
