import type { EpisodeState } from '../domain/episode-state';
import type { StoredEvent } from '../intake/event.store';
import type { MissingEvent } from '../intake/event.schema';
import type { Risk } from '../domain/risk';
import type { EpisodeFacts } from '../delivery/message-types';

/** An episode's picture, folded from its events: the same events give the same picture whatever order they arrived in. */
export type EpisodeView = {
  episodeId: string;
  feedId: string;
  policeReference: string;
  /** False until the `missing.reported` event has arrived: follow-ups can come first. */
  reported: boolean;
  state: EpisodeState;
  risk: Risk | undefined;
  openedAt: string;
  closedAt: string | undefined;
  foundAt: string | undefined;
  /** SPEC §7: foundAt + 72 hours, the statutory window for the return home interview. */
  returnInterviewDueAt: string | undefined;
  facts: EpisodeFacts;
  schoolUrn: string | undefined;
  gpOdsCode: string | undefined;
  postcodeDistrict: string | undefined;
};

export const RETURN_INTERVIEW_HOURS = 72;

/** By occurredAt, then receivedAt, then uid: a total order, so ties fold the same every time. */
const byOccurrence = (a: StoredEvent, b: StoredEvent) =>
  Date.parse(a.event.occurredAt) - Date.parse(b.event.occurredAt) ||
  (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

/**
 * Folds events into the episode's picture, in the order they happened. The first found or
 * cancelled event closes the episode for good: a late report cannot reopen it.
 */
export function foldEpisode(events: readonly StoredEvent[]): EpisodeView {
  const ordered = [...events].sort(byOccurrence);
  const first = ordered[0];
  if (!first) throw new Error('an episode has at least one event');
  const view: EpisodeView = {
    episodeId: first.episodeId,
    feedId: first.feedId,
    policeReference: first.event.policeReference,
    reported: false,
    state: 'open',
    risk: undefined,
    openedAt: first.event.occurredAt,
    closedAt: undefined,
    foundAt: undefined,
    returnInterviewDueAt: undefined,
    facts: { policeReference: first.event.policeReference, risk: 'medium', child: {} },
    schoolUrn: undefined,
    gpOdsCode: undefined,
    postcodeDistrict: undefined,
  };
  for (const { event } of ordered) applyEvent(view, event);
  view.schoolUrn = view.facts.child.schoolUrn;
  view.gpOdsCode = view.facts.child.gpOdsCode;
  view.postcodeDistrict = view.facts.child.postcodeDistrict;
  if (view.risk) view.facts.risk = view.risk;
  return view;
}

/** One event's change to the picture, in place; the fold calls it in the order events happened. */
function applyEvent(view: EpisodeView, event: MissingEvent): void {
  switch (event.type) {
    case 'missing.reported': {
      view.reported = true;
      // A report that comes after the close does not move the opening past the closing.
      if (view.state === 'open') view.openedAt = event.occurredAt;
      view.risk = event.risk;
      view.facts = {
        ...view.facts,
        risk: event.risk,
        child: { ...view.facts.child, ...event.child },
        missingFrom: event.missingFrom,
        lastSeen: event.lastSeen,
        contact: event.contact,
        ...(event.concerns ? { concerns: event.concerns } : {}),
      };
      break;
    }
    case 'missing.updated': {
      if (event.risk) view.risk = event.risk;
      view.facts = {
        ...view.facts,
        ...(event.risk ? { risk: event.risk } : {}),
        ...(event.lastSeen ? { lastSeen: event.lastSeen } : {}),
        ...(event.concerns ? { concerns: event.concerns } : {}),
        ...(event.note ? { note: event.note } : {}),
        child: { ...view.facts.child, ...event.child },
      };
      break;
    }
    case 'missing.found':
    case 'missing.cancelled': {
      if (view.state !== 'open') break;
      view.state = event.type === 'missing.found' ? 'found' : 'cancelled';
      view.closedAt = event.occurredAt;
      if (event.type === 'missing.found') {
        view.foundAt = event.foundAt;
        view.returnInterviewDueAt = new Date(Date.parse(event.foundAt) + RETURN_INTERVIEW_HOURS * 3600_000).toISOString();
      }
      break;
    }
  }
}

/** The event that happened last: an alert planned now describes the episode up to it. */
export function latestEvent(events: readonly StoredEvent[]): StoredEvent | undefined {
  return [...events].sort(byOccurrence).at(-1);
}

/** The picture as it stood at one event: what that event's messages describe, stable across resends. */
export function episodeAsOf(events: readonly StoredEvent[], eventUid: string): EpisodeView {
  const ordered = [...events].sort(byOccurrence);
  const upto = ordered.findIndex((e) => e.uid === eventUid);
  return foldEpisode(upto === -1 ? ordered : ordered.slice(0, upto + 1));
}
