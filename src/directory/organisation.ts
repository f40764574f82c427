import { z } from 'zod';
import { singleLineText } from '../platform/text';
import type { OrganisationType } from '../domain/organisation-ref';

export const CONTACT_ROLES = ['dsl', 'deputy', 'safeguarding_lead', 'practice_manager'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export const URN_PATTERN = /^\d{6}$/;
export const ODS_PATTERN = /^[A-Z]\d{5}$/;

export const contactSchema = z.strictObject({
  /** Stable within the organisation; derived from the email when not given. */
  contactId: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
  name: singleLineText(100),
  email: z.email().max(254),
  role: z.enum(CONTACT_ROLES),
  active: z.boolean().default(true),
});
export type Contact = z.infer<typeof contactSchema> & { contactId: string };

export type Organisation = {
  type: OrganisationType;
  /** URN for a school, ODS code for a GP practice. */
  id: string;
  name: string;
  locality: string | undefined;
  postcode: string | undefined;
  active: boolean;
  receivesAreaAlerts: boolean;
  contacts: Contact[];
  updatedAt: string;
  /**
   * Who made an inactive organisation inactive: an admin (DELETE, or PUT with active false),
   * or a reference import that found it closed. A reference import re-activates only what an
   * import deactivated, so it never undoes an admin's decision. Absent while active.
   */
  deactivatedBy?: 'admin' | 'import';
};

/** Every organisation is addressed as `type:id` inside the app (e.g. in delivery ids). */
export const organisationKey = (type: OrganisationType, id: string) => `${type}:${id}`;

/** A read-only view of the directory: what routing decides over, loaded once per fan-out. */
export type DirectoryView = {
  get(type: OrganisationType, id: string): Organisation | undefined;
  inLocality(locality: string): Organisation[];
};
