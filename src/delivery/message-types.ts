import type { ContactRole, Organisation } from '../directory/organisation';
import type { Audience, MessageKind } from '../domain/audience';
import type { Risk } from '../domain/risk';
import type { ChildDetails, PoliceContact, UpdatedEvent } from '../intake/event.schema';

/* What message rendering takes and gives (SPEC §5). */

/** The episode's current picture, merged from its events. Before the report arrives it may be partial. */
export type EpisodeFacts = {
  policeReference: string;
  risk: Risk;
  child: Partial<ChildDetails>;
  missingFrom?: 'home' | 'care' | 'other';
  lastSeen?: { at: string; area: string };
  concerns?: ChildConcern[];
  contact?: PoliceContact;
  /** The latest police note from an update; shown to direct recipients only. */
  note?: string;
};
export type ChildConcern = NonNullable<UpdatedEvent['concerns']>[number];

/** What an update changed: the fields of a `missing.updated` event (the event itself will do). */
export type EpisodeChanges = Pick<UpdatedEvent, 'risk' | 'lastSeen' | 'concerns' | 'child' | 'note'>;

/**
 * What one event's messages describe, kept once at fan-out (delivery.store putMessageFacts):
 * the episode as of the delivery's asOf, an update's changes, and the event's times.
 */
export type MessageFacts = {
  facts: EpisodeFacts;
  changes?: EpisodeChanges;
  occurredAt: string;
  receivedAt: string;
};

export type MessageInput = {
  kind: MessageKind;
  audience: Audience;
  episode: EpisodeFacts;
  /** For `update`: what this update changed (filtered by audience before it is shown). */
  changes?: EpisodeChanges;
  organisation: Pick<Organisation, 'type' | 'id' | 'name'>;
  contact: { name: string; role: ContactRole };
  deliveryId: string;
  /** Right-hand side of the Message-ID: `<deliveryId@messageDomain>`. */
  messageDomain: string;
  /** Message-ID of the alert a follow-up threads to (`<id@domain>`; brackets optional). */
  threadOf?: string;
  /** The acknowledgement link; shown on direct alerts, updates and reminders. */
  ackUrl?: string;
  /** The event's time (a reminder's: its due time): the "as of" line and the age in area messages. */
  occurredAt: string;
  /**
   * Names the facts this message describes when they are stored once per event (and asOf): the
   * parts every recipient of that event shares are then rendered once, not once per recipient.
   */
  sharedKey?: string;
};

export type RenderedMessage = {
  subject: string;
  text: string;
  html: string;
  /** Extra headers for the transport; Message-ID is `messageId`, not repeated here. */
  headers: Record<string, string>;
  messageId: string;
};
