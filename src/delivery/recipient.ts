import type { ContactRole, Organisation } from '../directory/organisation';
import type { OrganisationType } from '../domain/organisation-ref';

/**
 * SPEC §6 "The right person, at send time": a delivery goes to the contact as the directory
 * has it when it is sent, never as it was when it was planned. One pure decision, used by every
 * send path (first sends, automatic and explicit retries, reminders) right before sending.
 */

/** What a delivery record says it was planned for. */
export type PlannedRecipient = {
  organisation: { type: OrganisationType; id: string; name: string };
  contact: { contactId: string; name: string; email: string; role: ContactRole };
};

export type SupersedeReason = 'organisation-removed' | 'organisation-deactivated' | 'contact-removed' | 'contact-deactivated';

export type RecipientDecision =
  | {
      send: true;
      /** The contact as the directory has it now. */
      contact: PlannedRecipient['contact'];
      organisationName: string;
      /** Which of the recorded fields the directory has changed since planning (empty: none). */
      changed: Array<'email' | 'name' | 'role' | 'organisationName'>;
    }
  | { send: false; reason: SupersedeReason; detail: string };

const DETAIL: Record<SupersedeReason, string> = {
  'organisation-removed': 'the organisation is no longer in the directory',
  'organisation-deactivated': 'the organisation has been deactivated in the directory',
  'contact-removed': 'the contact is no longer listed for the organisation',
  'contact-deactivated': 'the contact has been deactivated in the directory',
};

/** Whether a superseded delivery's contact has left (so someone else at the organisation should hear). */
export const contactLeft = (reason: SupersedeReason) => reason === 'contact-removed' || reason === 'contact-deactivated';

/**
 * Decides who a delivery goes to now, given the directory's current record of its organisation
 * (undefined when there is none). Addresses compare case-insensitively: the same mailbox
 * written in other case is not a change.
 */
export function resolveRecipient(planned: PlannedRecipient, organisation: Organisation | undefined): RecipientDecision {
  const supersede = (reason: SupersedeReason): RecipientDecision => ({ send: false, reason, detail: `superseded: ${DETAIL[reason]}` });
  if (!organisation) return supersede('organisation-removed');
  if (!organisation.active) return supersede('organisation-deactivated');
  const current = organisation.contacts.find((c) => c.contactId === planned.contact.contactId);
  if (!current) return supersede('contact-removed');
  if (!current.active) return supersede('contact-deactivated');
  const changed: Array<'email' | 'name' | 'role' | 'organisationName'> = [];
  if (current.email.toLowerCase() !== planned.contact.email.toLowerCase()) changed.push('email');
  if (current.name !== planned.contact.name) changed.push('name');
  if (current.role !== planned.contact.role) changed.push('role');
  if (organisation.name !== planned.organisation.name) changed.push('organisationName');
  return {
    send: true,
    contact: { contactId: current.contactId, name: current.name, email: current.email, role: current.role },
    organisationName: organisation.name,
    changed,
  };
}

/**
 * Whether the directory still lets a send go to this contact at this address: the check the
 * claim makes in Lua (CLAIM, delivery.scripts.ts) in the same step as it moves the delivery to
 * `sending`, so a change that lands after the send path read the directory is not missed. The
 * address compares exactly, as the claim sends it: any other spelling is decided again.
 */
export function stillSendsTo(organisation: Organisation | undefined, contactId: string, email: string): boolean {
  if (!organisation?.active) return false;
  const current = organisation.contacts.find((c) => c.contactId === contactId);
  return current !== undefined && current.active && current.email === email;
}
