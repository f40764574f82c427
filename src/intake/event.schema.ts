import { z } from 'zod';
import { singleLineText } from '../platform/text';
import { RISKS } from '../domain/risk';

/**
 * The intake contract of SPEC §3: one strict zod schema per event type, joined on `type`.
 * The same schemas generate the OpenAPI document, so the two never drift.
 */

/** Trimmed text of bounded length under the shared text rule (no control or bidi characters). */
const text = singleLineText;

const dateTime = () =>
  z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone (Z or ±hh:mm)' });

export const EVENT_TYPES = ['missing.reported', 'missing.updated', 'missing.found', 'missing.cancelled'] as const;
export const CONCERNS = ['cse', 'cce', 'trafficking', 'county_lines', 'self_harm', 'other'] as const;

export const riskSchema = z.enum(RISKS);

const concernsSchema = z
  .array(z.enum(CONCERNS))
  .max(CONCERNS.length)
  .refine((list) => new Set(list).size === list.length, 'must not repeat a concern');

const lastSeenSchema = z.strictObject({
  at: dateTime(),
  area: text(200),
});

const childFields = {
  givenName: text(100),
  familyName: text(100),
  dateOfBirth: z.iso.date({ message: 'must be a date YYYY-MM-DD' }),
  gender: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  schoolUrn: z.string().trim().regex(/^\d{6}$/, 'must be 6 digits').optional(),
  gpOdsCode: z.string().trim().regex(/^[A-Z]\d{5}$/, 'must be a capital letter and 5 digits, e.g. A81001').optional(),
  postcodeDistrict: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{1,2}\d[A-Z\d]?$/, 'must be a postcode outward code such as NE61')
    .optional(),
  lookedAfter: z.boolean(),
  description: text(500).optional(),
  /** The force's own person identifier: recognises a child's repeated episodes (SPEC §3, §13). */
  policePersonId: text(64).optional(),
};

const childSchema = z.strictObject(childFields);
const childUpdateSchema = z.strictObject({
  ...childFields,
  givenName: childFields.givenName.optional(),
  familyName: childFields.familyName.optional(),
  dateOfBirth: childFields.dateOfBirth.optional(),
  lookedAfter: childFields.lookedAfter.optional(),
});

const contactSchema = z.strictObject({
  name: text(100),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{2,28}$/, 'must be a telephone number of digits, spaces, +, ( ) and -'),
  email: z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an email address')).optional(),
});

const common = {
  eventId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -'),
  occurredAt: dateTime(),
  policeReference: text(64),
};

export const reportedEventSchema = z.strictObject({
  ...common,
  type: z.literal('missing.reported'),
  child: childSchema,
  risk: riskSchema,
  missingFrom: z.enum(['home', 'care', 'other']),
  lastSeen: lastSeenSchema,
  concerns: concernsSchema.optional(),
  contact: contactSchema,
});

export const updatedEventSchema = z.strictObject({
  ...common,
  type: z.literal('missing.updated'),
  risk: riskSchema.optional(),
  lastSeen: lastSeenSchema.optional(),
  concerns: concernsSchema.optional(),
  child: childUpdateSchema.optional(),
  note: text(500).optional(),
});

export const foundEventSchema = z.strictObject({
  ...common,
  type: z.literal('missing.found'),
  foundAt: dateTime(),
});

export const cancelledEventSchema = z.strictObject({
  ...common,
  type: z.literal('missing.cancelled'),
  reason: text(200).optional(),
});

export const eventSchema = z.discriminatedUnion('type', [
  reportedEventSchema,
  updatedEventSchema,
  foundEventSchema,
  cancelledEventSchema,
]);

export type MissingEvent = z.infer<typeof eventSchema>;
export type ReportedEvent = z.infer<typeof reportedEventSchema>;
export type UpdatedEvent = z.infer<typeof updatedEventSchema>;
export type FoundEvent = z.infer<typeof foundEventSchema>;
export type CancelledEvent = z.infer<typeof cancelledEventSchema>;
export type EventType = MissingEvent['type'];
export type ChildDetails = z.infer<typeof childSchema>;
export type PoliceContact = z.infer<typeof contactSchema>;

export const acceptedBodySchema = z.object({
  eventId: z.string(),
  episodeId: z.string(),
  status: z.literal('accepted'),
});
export type AcceptedBody = z.infer<typeof acceptedBodySchema>;

export const EVENT_STATES = ['accepted', 'routed', 'done'] as const;
export const eventStatusSchema = z.object({
  eventId: z.string(),
  episodeId: z.string(),
  type: z.enum(EVENT_TYPES),
  receivedAt: z.iso.datetime(),
  state: z.enum(EVENT_STATES),
  deliveries: z.record(z.string(), z.number().int()),
});
export type EventStatus = z.infer<typeof eventStatusSchema>;

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
