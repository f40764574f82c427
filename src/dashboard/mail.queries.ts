import type { SinkMessage } from '../platform/mail-sink';

/** Caught messages a page shows. */
export const MAIL_PAGE_SIZE = 20;

/** Where a page of caught mail starts: after (older than) or before (newer than) a message id. */
export type MailCursor = { after?: string; before?: string };

export type MailPage = {
  /** Newest first. */
  messages: SinkMessage[];
  /** 0-based position of the first message among all caught. */
  start: number;
  total: number;
  /** Cursor of the next older page, when there is one. */
  older?: MailCursor;
  /** Cursor of the next newer page, when this is not the newest. */
  newer?: MailCursor;
};

/**
 * One page of the sink's messages (newest first). The cursor is a message id rather than a page
 * number, so that mail arriving while someone pages back does not shift what they see. A cursor
 * the sink no longer holds was evicted as the oldest: nothing older than it is left either.
 */
export function pageOfMail(caught: readonly SinkMessage[], cursor: MailCursor, size = MAIL_PAGE_SIZE): MailPage {
  const indexOf = (id: string) => caught.findIndex((m) => m.id === id);
  let start = 0;
  if (cursor.after !== undefined) {
    const at = indexOf(cursor.after);
    start = at === -1 ? caught.length : at + 1;
  } else if (cursor.before !== undefined) {
    start = Math.max(0, indexOf(cursor.before) - size);
  }
  const messages = caught.slice(start, start + size);
  const last = messages.at(-1);
  const first = messages[0];
  return {
    messages,
    start,
    total: caught.length,
    ...(last && start + size < caught.length ? { older: { after: last.id } } : {}),
    ...(start > 0 ? { newer: first ? { before: first.id } : {} } : {}),
  };
}
