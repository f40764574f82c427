import { organisationKey, type Contact, type DirectoryView, type Organisation } from '../directory/organisation';
import type { Audience } from '../domain/audience';
import type { OrganisationRef, OrganisationType } from '../domain/organisation-ref';

/**
 * Who gets which message for an episode (SPEC §4): a pure decision over a read-only view of
 * the directory, so every rule is unit-tested without Redis.
 *
 * - `direct`: the child's own school and GP practice, when known and active.
 * - `area`: every other active organisation of the child's locality that receives area
 *   alerts. An organisation that is direct is never also area: one person, one alert.
 * - Only active contacts of active organisations are ever recipients.
 */

export type Recipient = { organisation: Organisation; contact: Contact; audience: Audience };

export type SentTo = { orgType: OrganisationType; orgId: string; contactId: string; audience: Audience };

/**
 * Why a direct organisation got nothing, for the MASH team to follow up by hand:
 * `unroutable` the directory does not know the code (SPEC: recorded on the episode);
 * `inactive` it is known but deactivated or closed;
 * `noActiveContacts` it is active but has nobody to send to.
 */
export type DirectGaps = {
  unroutable: OrganisationRef[];
  inactive: OrganisationRef[];
  noActiveContacts: OrganisationRef[];
};

export type ReportRouting = DirectGaps & { recipients: Recipient[]; locality: string | undefined };

/** A follow-up recipient; `newlyDirect` when this contact was never sent a direct message. */
export type FollowUpRecipient = Recipient & { newlyDirect: boolean };
/**
 * `departed`: those sent to before whose contact or organisation is no longer active (or no
 * longer listed). They are still written to: the send-time decision supersedes the message and,
 * for a direct one, tells the MASH team (SPEC §6).
 */
export type FollowUpRouting = DirectGaps & { recipients: FollowUpRecipient[]; departed: SentTo[] };

type ChildRefs = { schoolUrn?: string; gpOdsCode?: string };

const contactKey = (organisation: Organisation, contact: Contact) =>
  `${organisationKey(organisation.type, organisation.id)}|${contact.contactId}`;

const AUDIENCE_ORDER: Record<Audience, number> = { direct: 0, area: 1 };

/** Direct first (they must act), then area; within each, by organisation key and contact id. */
function byDeliveryOrder(a: Recipient, b: Recipient): number {
  const byAudience = AUDIENCE_ORDER[a.audience] - AUDIENCE_ORDER[b.audience];
  if (byAudience !== 0) return byAudience;
  const keyA = organisationKey(a.organisation.type, a.organisation.id);
  const keyB = organisationKey(b.organisation.type, b.organisation.id);
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return a.contact.contactId < b.contact.contactId ? -1 : a.contact.contactId > b.contact.contactId ? 1 : 0;
}

const activeContacts = (organisation: Organisation) => organisation.contacts.filter((c) => c.active);

/** The child's own school and GP practice as direct recipients, and the gaps found on the way. */
function directRecipients(child: ChildRefs, directory: DirectoryView): DirectGaps & { recipients: Recipient[] } {
  const result: DirectGaps & { recipients: Recipient[] } = {
    recipients: [],
    unroutable: [],
    inactive: [],
    noActiveContacts: [],
  };
  const refs: OrganisationRef[] = [];
  if (child.schoolUrn !== undefined) refs.push({ type: 'school', id: child.schoolUrn });
  if (child.gpOdsCode !== undefined) refs.push({ type: 'gp', id: child.gpOdsCode });

  for (const ref of refs) {
    const organisation = directory.get(ref.type, ref.id);
    if (organisation === undefined) {
      result.unroutable.push(ref);
    } else if (!organisation.active) {
      result.inactive.push(ref);
    } else if (activeContacts(organisation).length === 0) {
      result.noActiveContacts.push(ref);
    } else {
      for (const contact of activeContacts(organisation)) {
        result.recipients.push({ organisation, contact, audience: 'direct' });
      }
    }
  }
  return result;
}

/** One recipient per contact; a contact reached both ways keeps `direct`. */
function dedupe<R extends Recipient>(recipients: R[]): R[] {
  const byContact = new Map<string, R>();
  for (const recipient of recipients) {
    const key = contactKey(recipient.organisation, recipient.contact);
    const seen = byContact.get(key);
    if (seen === undefined || (seen.audience === 'area' && recipient.audience === 'direct')) {
      byContact.set(key, recipient);
    }
  }
  return [...byContact.values()].sort(byDeliveryOrder);
}

/**
 * Recipients of a `missing.reported` alert. The locality comes from the child's postcode
 * district, or, when that is missing or outside every locality, from the child's school
 * (even an inactive one: it still says where the child spends the day).
 */
export function routeReport(
  child: ChildRefs & { postcodeDistrict?: string },
  directory: DirectoryView,
  localityOfDistrict: (district: string) => string | undefined,
): ReportRouting {
  const direct = directRecipients(child, directory);
  const school = child.schoolUrn === undefined ? undefined : directory.get('school', child.schoolUrn);
  const locality =
    (child.postcodeDistrict === undefined ? undefined : localityOfDistrict(child.postcodeDistrict)) ?? school?.locality;

  const area: Recipient[] = [];
  if (locality !== undefined) {
    for (const organisation of directory.inLocality(locality)) {
      if (!organisation.active || !organisation.receivesAreaAlerts) continue;
      for (const contact of activeContacts(organisation)) area.push({ organisation, contact, audience: 'area' });
    }
  }

  // The child's own school and GP are in `area` too when in the locality: dedupe keeps them direct.
  return { ...direct, recipients: dedupe([...direct.recipients, ...area]), locality };
}

/**
 * Recipients of a follow-up (`updated`, `found`, `cancelled`): everyone who was sent the
 * alert or an earlier follow-up, in the audience they had, plus the new direct recipients an
 * update brings (`newDirect`: the update's new schoolUrn / gpOdsCode; empty for found and
 * cancelled). A contact or organisation deactivated or removed since is returned apart, in
 * `departed`, for the send path to supersede (SPEC §4, §6). An area recipient whose
 * organisation becomes direct gets this and later messages as direct.
 */
export function routeFollowUp(
  alreadySent: readonly SentTo[],
  newDirect: ChildRefs,
  directory: DirectoryView,
): FollowUpRouting {
  const sentDirect = new Set<string>();
  const previous: FollowUpRecipient[] = [];
  const departed: SentTo[] = [];
  for (const sent of alreadySent) {
    if (sent.audience === 'direct') sentDirect.add(`${organisationKey(sent.orgType, sent.orgId)}|${sent.contactId}`);
    const organisation = directory.get(sent.orgType, sent.orgId);
    const contact = organisation?.contacts.find((c) => c.contactId === sent.contactId);
    if (organisation === undefined || contact === undefined || !organisation.active || !contact.active) {
      departed.push(sent);
      continue;
    }
    previous.push({ organisation, contact, audience: sent.audience, newlyDirect: false });
  }

  const direct = directRecipients(newDirect, directory);
  const added = direct.recipients.map((r) => ({ ...r, newlyDirect: !sentDirect.has(contactKey(r.organisation, r.contact)) }));
  return {
    unroutable: direct.unroutable,
    inactive: direct.inactive,
    noActiveContacts: direct.noActiveContacts,
    recipients: dedupe([...previous, ...added]),
    departed,
  };
}
