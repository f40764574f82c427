import { createHash } from 'node:crypto';
import type { NewDelivery } from '../delivery/delivery.store';
import type { DeliveryStatus } from '../delivery/delivery-status';
import { deliveryPriority } from '../delivery/delivery-policy';
import type { StoredEvent } from '../intake/event.store';
import type { EpisodeView } from './episode';
import { recipientKey, type RecipientEntry } from './episode.store';
import { routeFollowUp, routeReport, type Recipient } from './routing';
import type { OrganisationRef } from '../domain/organisation-ref';
import type { MessageKind } from '../domain/audience';
import type { DirectoryView } from '../directory/organisation';

/** Deterministic: the same event and contact always give the same delivery id, so fan-out can run twice. */
export const deliveryIdOf = (eventUid: string, r: { orgType: string; orgId: string; contactId: string }) =>
  `dl_${createHash('sha256').update(`${eventUid}\n${recipientKey(r as RecipientEntry)}`).digest('hex').slice(0, 24)}`;

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

/**
 * Who gets what for one event (SPEC §4, §6): a pure decision over the episode, its
 * recipients so far and a snapshot of the directory.
 */
export function planFanout(input: FanoutInput): FanoutPlan {
  const { stored, view } = input;
  const kind = KIND[stored.type];
  const risk = view.risk ?? 'medium';

  const toDelivery = (r: Recipient, status: 'pending' | 'superseded', threadOf: string | null, ackable: boolean): NewDelivery => ({
    deliveryId: deliveryIdOf(stored.uid, { orgType: r.organisation.type, orgId: r.organisation.id, contactId: r.contact.contactId }),
    eventUid: stored.uid,
    eventId: stored.eventId,
    episodeId: stored.episodeId,
    feedId: stored.feedId,
    kind,
    audience: r.audience,
    organisation: { type: r.organisation.type, id: r.organisation.id, name: r.organisation.name },
    contact: { contactId: r.contact.contactId, name: r.contact.name, email: r.contact.email, role: r.contact.role },
    status,
    threadOf,
    asOf: kind === 'alert' && input.latestUid !== stored.uid ? input.latestUid : null,
    ackable,
    risk,
    priority: deliveryPriority(r.audience, risk),
  });

  const known = new Map(input.recipients.map((e) => [recipientKey(e), e]));
  const entryOf = (r: Recipient, root: string): RecipientEntry => ({
    orgType: r.organisation.type,
    orgId: r.organisation.id,
    contactId: r.contact.contactId,
    audience: r.audience,
    threadRoot: root,
  });

  if (kind === 'alert') {
    const routing = routeReport(
      { schoolUrn: view.schoolUrn, gpOdsCode: view.gpOdsCode, postcodeDistrict: view.postcodeDistrict },
      input.directory,
      input.localityOfDistrict,
    );
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

  if (!view.reported) return empty('no report yet: kept for the alert to carry', input);
  const closing = kind === 'found' || kind === 'cancelled';
  if (input.wasClosed) return empty('episode already closed', input);
  if (kind === 'update' && view.state !== 'open') return empty('episode closed', input);

  // Follow-ups go to those the alert reached or is reaching; a closing message only to those it reached.
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
