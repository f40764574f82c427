import { answerRecipient } from './answer-recipient';
import type { Contact } from '../directory/organisation';
import type { NotifyJob } from '../platform/queues';
import type { DeliveryStatus } from './delivery-status';

type Notice = NotifyJob['notice'];

/** Still on the way to the status the notice is about: the notice job is tried again shortly. */
const UNDER_WAY: readonly DeliveryStatus[] = ['pending', 'sending', 'retrying'];

/**
 * Whether a notice still holds for its delivery as it is now: `send`; `not-ready` when notices
 * are queued just before the record changes and it has not changed yet (a bounce notice is
 * queued just after, so only a `sent` record is behind); `moot` when what it was about no
 * longer holds (a retry since, an acknowledgement before the escalation).
 */
export function noticeReadiness(notice: Notice, delivery: { status: DeliveryStatus; acknowledgedAt: string | null }): 'send' | 'not-ready' | 'moot' {
  const awaited = (status: DeliveryStatus, behind: readonly DeliveryStatus[]) =>
    delivery.status === status ? 'send' : behind.includes(delivery.status) ? 'not-ready' : 'moot';
  switch (notice) {
    case 'failure':
      return awaited('failed', UNDER_WAY);
    case 'bounce':
      return awaited('bounced', ['sent']);
    case 'superseded':
      return awaited('superseded', UNDER_WAY);
    case 'escalation':
      return delivery.acknowledgedAt ? 'moot' : 'send';
    case 'ack-answer':
      return 'send';
  }
}

export type NoticeAddressBook = {
  /** MASH_EMAIL. */
  mashEmail: string | undefined;
  /** The police contact the episode's feed named, if any. */
  policeContactEmail: string | undefined;
  /** POLICE_CONTACT_DOMAINS. */
  policeContactDomains: readonly string[];
  /** The delivery's organisation's contacts now (read for an escalation only). */
  organisationContacts: readonly Contact[];
  /** Whether that organisation is active now: a deactivated one's deputies are told nothing (SPEC §11). */
  organisationActive: boolean;
  /** The contact the delivery was for: the one who did not acknowledge. */
  deliveryContactId: string;
};

/**
 * Who a notice goes to (SPEC §5, §7). Failures, bounces and supersessions go to the MASH team;
 * a recipient's answer to the police contact at a police domain, else MASH, so it is never
 * lost nor sent anywhere a feed names; an escalation to the organisation's other active
 * deputies, while the organisation itself is active, and MASH. Each address once.
 */
export function noticeRecipients(notice: Notice, book: NoticeAddressBook): string[] {
  const mash = book.mashEmail ? [book.mashEmail] : [];
  switch (notice) {
    case 'failure':
    case 'bounce':
    case 'superseded':
      return mash;
    case 'ack-answer': {
      const to = answerRecipient(book.policeContactEmail, book.policeContactDomains, book.mashEmail);
      return to ? [to] : [];
    }
    case 'escalation': {
      const contacts = book.organisationActive ? book.organisationContacts : [];
      const deputies = contacts.filter((c) => c.active && c.role === 'deputy' && c.contactId !== book.deliveryContactId);
      return [...new Set([...deputies.map((c) => c.email), ...mash])];
    }
  }
}
