import type { Viewer } from './viewer';

/*
 * How the audit log names who did something: the one place for its `actor` (and, for access
 * events, `subject`) strings, so every stage writes them the same way.
 */

/**
 * Who read or changed tracking data: a dashboard user as `role:email`, a feed as `feed:<id>`.
 * Takes a viewer or the signed-in user (`req.user`).
 */
export function actorOf(who: Viewer | { role: string; email: string }): string {
  if ('kind' in who && who.kind === 'feed') return `feed:${who.feedId}`;
  const user = who as { role: string; email: string };
  return `${user.role}:${user.email}`;
}

/** An account in the access events (sign-in, TOTP, user admin): by id, never by email. */
export const userActor = (user: { id: string }) => `user:${user.id}`;

/** Changes start-up makes itself (ADMIN_EMAIL, the development admin); a shell's are `cli:<user>` (scripts/directory.ts). */
export const SYSTEM_ACTOR = 'system';
