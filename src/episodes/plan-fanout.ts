import type { Delivery, NewDelivery } from '../delivery/delivery.store';
import { MISSING_KINDS, type DeliveryStatus } from '../delivery/delivery-status';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeView } from './episode';
import { recipientKey, type EpisodeRecord, type RecipientEntry } from './episode.store';
import { newDelivery } from './new-delivery';
import { routeFollowUp, routeReport, type Recipient } from './routing';
import type { OrganisationRef } from '../domain/organisation-ref';
import type { MessageKind } from '../domain/audience';
import type { DirectoryView } from '../directory/organisation';
import type { PlannedRecipient } from '../delivery/recipient';

export { deliveryIdOf } from './new-delivery';

export type FanoutPlan = {
  deliveries: NewDelivery[];
  /** New or changed recipient entries of the episode. */
  recipients: RecipientEntry[];
  unroutable: OrganisationRef[];
  inactive: OrganisationRef[];
  /** The child's own organisation is active but has nobody to write to. */
  noActiveContacts: OrganisationRef[];
  locality: string | undefined;
  /** A closing event: alert and update deliveries not yet sent become superseded. */
  supersedePending: boolean;
  /** Why nothing is sent, for the log. */
  reason: string;
};

const KIND: Record<StoredEvent['type'], MessageKind> = {
  'missing.reported': 'alert',
  'missing.updated': 'update',
  'missing.found': 'found',
  'missing.cancelled': 'cancelled',
};

export type FanoutInput = {
  stored: StoredEvent;
  /** The episode folded from every event received so far. */
  view: EpisodeView;
  /** Whether the episode was already closed by an event fanned out earlier. */
  wasClosed: boolean;
  recipients: readonly RecipientEntry[];
  /** Status of each delivery id that roots a recipient's thread. */
  rootStatus: ReadonlyMap<string, DeliveryStatus>;
  /** Whom each thread root was addressed to: where a follow-up to someone no longer in the directory goes. */
  rootRecipients: ReadonlyMap<string, PlannedRecipient>;
  directory: DirectoryView;
  localityOfDistrict: (district: string) => string | undefined;
  previousLocality: string | undefined;
  /** The uid of the episode's latest stored event: what an alert planned now describes. */
  latestUid: string;
};

const empty = (reason: string, input: FanoutInput): FanoutPlan => ({
  deliveries: [],
  recipients: [],
  unroutable: [],
  inactive: [],
  noActiveContacts: [],
  locality: input.previousLocality,
  supersedePending: false,
  reason,
});

/** What both plans build with: the delivery of a recipient, and its entry in the episode's recipients. */
function plannerTools(input: FanoutInput) {
  const { stored, view } = input;
  const kind = KIND[stored.type];
  const risk = view.risk ?? 'medium';
  const toDelivery = (r: PlannedRecipient & Pick<Recipient, 'audience'>, status: 'pending' | 'superseded', threadOf: string | null, ackable: boolean): NewDelivery =>
    newDelivery({
      event: { uid: stored.uid, eventId: stored.eventId, episodeId: stored.episodeId, feedId: stored.feedId },
      kind,
      audience: r.audience,
      organisation: r.organisation,
      contact: r.contact,
      status,
      threadOf,
      asOf: kind === 'alert' && input.latestUid !== stored.uid ? input.latestUid : null,
      ackable,
      risk,
    });
  const known = new Map(input.recipients.map((e) => [recipientKey(e), e]));
  const entryOf = (r: Recipient, root: string): RecipientEntry => ({
    orgType: r.organisation.type,
    orgId: r.organisation.id,
    contactId: r.contact.contactId,
    audience: r.audience,
    threadRoot: root,
  });
  return { kind, toDelivery, known, entryOf };
}

/**
 * Who gets what for one event (SPEC §4, §6): a pure decision over the episode, its
 * recipients so far and a snapshot of the directory.
 */
export function planFanout(input: FanoutInput): FanoutPlan {
  const tools = plannerTools(input);
  if (tools.kind === 'alert') return planAlert(input, tools);
  if (!input.view.reported) return empty('no report yet: kept for the alert to carry', input);
  if (input.wasClosed) return empty('episode already closed', input);
  if (tools.kind === 'update' && input.view.state !== 'open') return empty('episode closed', input);
  return planFollowUp(input, tools);
}

/** The report: the child's own school and practice (direct) and the locality's subscribers (area), each once. */
function planAlert(input: FanoutInput, { toDelivery, known, entryOf }: ReturnType<typeof plannerTools>): FanoutPlan {
  const { view } = input;
  const routing = routeReport({ schoolUrn: view.schoolUrn, gpOdsCode: view.gpOdsCode, postcodeDistrict: view.postcodeDistrict }, input.directory, input.localityOfDistrict);
  // A report that comes after its episode closed is recorded, never sent.
  const status = view.state === 'open' ? 'pending' : 'superseded';
  const fresh = routing.recipients.filter((r) => !known.has(recipientKey(entryOf(r, ''))));
  const deliveries = fresh.map((r) => toDelivery(r, status, null, r.audience === 'direct'));
  return {
    deliveries,
    recipients: status === 'pending' ? fresh.map((r, i) => entryOf(r, deliveries[i]!.deliveryId)) : [],
    unroutable: routing.unroutable,
    inactive: routing.inactive,
    noActiveContacts: routing.noActiveContacts,
    locality: routing.locality,
    supersedePending: false,
    reason: status === 'pending' ? 'alert' : 'episode closed before its report',
  };
}

/** An update, found or cancelled: to those the alert reached or is reaching (a closing message only to those it reached), threaded, whether or not they are still active. */
function planFollowUp(input: FanoutInput, { kind, toDelivery, known, entryOf }: ReturnType<typeof plannerTools>): FanoutPlan {
  const { stored } = input;
  const closing = kind === 'found' || kind === 'cancelled';
  const reachable: readonly DeliveryStatus[] = closing ? ['sent', 'sending'] : ['pending', 'sending', 'sent', 'retrying'];
  const reached = input.recipients.filter((e) => reachable.includes(input.rootStatus.get(e.threadRoot) ?? 'failed'));
  const newDirect = kind === 'update' && stored.event.type === 'missing.updated' ? stored.event.child ?? {} : {};
  const routing = routeFollowUp(
    reached.map((e) => ({ orgType: e.orgType, orgId: e.orgId, contactId: e.contactId, audience: e.audience })),
    { schoolUrn: newDirect.schoolUrn, gpOdsCode: newDirect.gpOdsCode },
    input.directory,
  );
  const deliveries: NewDelivery[] = [];
  const entries: RecipientEntry[] = [];
  for (const r of routing.recipients) {
    const existing = known.get(recipientKey(entryOf(r, '')));
    const threadRoot = existing && reached.includes(existing) ? existing.threadRoot : null;
    const delivery = toDelivery(r, 'pending', threadRoot, kind === 'update' && r.newlyDirect);
    deliveries.push(delivery);
    if (!threadRoot || existing?.audience !== r.audience) entries.push(entryOf(r, threadRoot ?? delivery.deliveryId));
  }
  // SPEC §4, §6: those who have left since are written to as their thread root was; the send
  // path supersedes each and tells the MASH team (once per episode and organisation or contact).
  for (const sent of routing.departed) {
    const entry = known.get(recipientKey(sent));
    const root = entry && input.rootRecipients.get(entry.threadRoot);
    if (entry && root) deliveries.push(toDelivery({ ...root, audience: entry.audience }, 'pending', entry.threadRoot, false));
  }
  return {
    deliveries,
    recipients: entries,
    unroutable: routing.unroutable,
    inactive: routing.inactive,
    noActiveContacts: routing.noActiveContacts,
    locality: input.previousLocality,
    supersedePending: closing,
    reason: kind,
  };
}

/** What fan-out of one event reads besides the directory: the episode as recorded and its deliveries so far. */
export type EventFanoutInput = Omit<FanoutInput, 'wasClosed' | 'rootStatus' | 'rootRecipients' | 'previousLocality'> & {
  previous: EpisodeRecord | undefined;
  existing: readonly Pick<Delivery, 'deliveryId' | 'eventUid' | 'kind' | 'status' | 'priority' | 'organisation' | 'contact'>[];
  now: Date;
};

/** The whole decision of fanning one event out, for fan-out.ts to apply as it stands. */
export type EventFanout = FanoutPlan & {
  /** The episode record to save. */
  episode: EpisodeRecord;
  /** A closing event's supersession: alert, update and reminder deliveries not yet sent. */
  supersede: Pick<Delivery, 'deliveryId' | 'eventUid'>[];
  /** This event's deliveries a run that died while queuing left pending: queued again (job ids dedupe). */
  requeue: Pick<Delivery, 'deliveryId' | 'priority'>[];
};

const mergeRefs = (a: readonly OrganisationRef[], b: readonly OrganisationRef[]) => {
  const seen = new Map([...a, ...b].map((r) => [`${r.type}:${r.id}`, r]));
  return [...seen.values()];
};

/**
 * Fan-out of one event as one pure decision (SPEC §4, §6, §7): who gets what (planFanout), the
 * episode record that follows, which unsent deliveries a close supersedes, and what to queue
 * again. `closedBy` is set once, by the close that was announced; `alertedAt`, the start of the
 * reminder clock, once, by the report fanned out while the episode is open.
 */
export function planEventFanout(input: EventFanoutInput): EventFanout {
  const { stored, view, previous, existing, now } = input;
  const plan = planFanout({
    ...input,
    wasClosed: previous?.closedBy !== undefined && previous.closedBy !== stored.uid,
    rootStatus: new Map(existing.map((d) => [d.deliveryId, d.status])),
    rootRecipients: new Map(existing.map((d) => [d.deliveryId, { organisation: d.organisation, contact: d.contact }])),
    previousLocality: previous?.locality,
  });
  const closing = stored.type === 'missing.found' || stored.type === 'missing.cancelled';
  const closedBy = previous?.closedBy ?? (closing && plan.supersedePending ? stored.uid : undefined);
  const alertedAt = previous?.alertedAt ?? (stored.type === 'missing.reported' && view.state === 'open' ? now.toISOString() : undefined);
  const episode: EpisodeRecord = {
    ...view,
    locality: plan.locality ?? previous?.locality,
    unroutable: mergeRefs(previous?.unroutable ?? [], plan.unroutable),
    inactive: mergeRefs(previous?.inactive ?? [], plan.inactive),
    noActiveContacts: mergeRefs(previous?.noActiveContacts ?? [], plan.noActiveContacts),
    updatedAt: now.toISOString(),
    ...(previous?.remindersSent ? { remindersSent: previous.remindersSent } : {}),
    ...(previous?.lastReminderAt ? { lastReminderAt: previous.lastReminderAt } : {}),
    ...(closedBy ? { closedBy } : {}),
    ...(alertedAt ? { alertedAt } : {}),
  };
  const unsent = (d: EventFanoutInput['existing'][number]) => MISSING_KINDS.has(d.kind) && (d.status === 'pending' || d.status === 'retrying');
  return {
    ...plan,
    episode,
    supersede: plan.supersedePending ? existing.filter(unsent).map((d) => ({ deliveryId: d.deliveryId, eventUid: d.eventUid })) : [],
    requeue: existing.filter((d) => d.eventUid === stored.uid && d.status === 'pending').map((d) => ({ deliveryId: d.deliveryId, priority: d.priority })),
  };
}
