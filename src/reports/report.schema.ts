import { z } from 'zod';
import { ORGANISATION_TYPES } from '../domain/organisation-ref';

/**
 * The contract of `GET /api/v1/reports` (SPEC §13): its query and its answer, one zod schema
 * each, exported for the OpenAPI document. Aggregates only: counts and times, never a name.
 */

const DAY_MS = 24 * 3600_000;
/** A year and a day: a leap year's whole year fits, and the work stays bounded. */
export const MAX_RANGE_DAYS = 366;

export const reportQuerySchema = z
  .object({
    from: z.iso.date({ message: 'must be a date YYYY-MM-DD' }),
    to: z.iso.date({ message: 'must be a date YYYY-MM-DD' }),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    path: ['to'],
    message: `the range must be at most ${MAX_RANGE_DAYS} days`,
  });
export type ReportQuery = z.infer<typeof reportQuerySchema>;

const organisationSchema = z.object({ type: z.enum(ORGANISATION_TYPES), id: z.string(), name: z.string() });
const seconds = z.number().nonnegative().nullable().describe('seconds; null when there is nothing to measure');

export const reportSchema = z.object({
  from: z.iso.date().describe('first day of the range (UK local time), inclusive'),
  to: z.iso.date().describe('last day of the range (UK local time), inclusive'),
  generatedAt: z.iso.datetime(),
  episodes: z.object({
    total: z.number().int(),
    months: z.array(z.string()).describe('every month of the range, YYYY-MM'),
    byMonthAndLocality: z.array(z.object({ month: z.string(), locality: z.string(), count: z.number().int() })),
    byRisk: z.array(z.object({ risk: z.enum(['very_low', 'low', 'medium', 'high', 'unknown']), count: z.number().int() })),
    byMissingFrom: z.array(z.object({ missingFrom: z.enum(['home', 'care', 'other', 'unknown']), count: z.number().int() })),
  }),
  repeatedChildren: z
    .object({
      children: z.number().int().describe('children with 3 or more episodes within 90 days, completed in the range'),
      episodes: z.number().int(),
    })
    .describe('over the episodes still held only: an episode purged RETENTION_DAYS after closing keeps no identity, so repeats before that cut-off are not counted (every other figure still counts it)'),
  timeToFirstDirect: z.object({
    measured: z.number().int().describe('episodes whose alert reached a direct recipient'),
    notReached: z.number().int().describe('reported episodes with direct recipients none of whom accepted the alert'),
    noDirectRecipient: z.number().int().describe('reported episodes with no direct recipient at all (no known school or GP, or none with an active contact): not measured'),
    p50Seconds: seconds,
    p90Seconds: seconds,
    maxSeconds: seconds,
    byWeek: z
      .array(z.object({ weekStarting: z.iso.date(), measured: z.number().int(), p50Seconds: seconds, p90Seconds: seconds }))
      .describe('every week (Monday) the range touches, in order; a week with no episode measured has 0 and nulls'),
  }),
  acknowledgements: z.object({
    sent: z.number().int(),
    acknowledged: z.number().int(),
    rate: z.number().min(0).max(1).nullable(),
    medianSeconds: seconds,
    byOrganisation: z.array(
      z.object({ organisation: organisationSchema, sent: z.number().int(), acknowledged: z.number().int(), rate: z.number().min(0).max(1), medianSeconds: seconds }),
    ),
  }),
  escalations: z.object({
    total: z.number().int(),
    byOrganisation: z.array(z.object({ organisation: organisationSchema, count: z.number().int() })),
  }),
  deliveryProblems: z.object({
    failed: z.number().int(),
    bounced: z.number().int(),
    byOrganisation: z.array(z.object({ organisation: organisationSchema, failed: z.number().int(), bounced: z.number().int() })),
    contacts: z
      .array(
        z.object({
          organisation: organisationSchema,
          contactId: z.string(),
          role: z.string(),
          failed: z.number().int(),
          bounced: z.number().int(),
          lastError: z.string().nullable().describe('the last error, with any email address replaced by [address]'),
          lastAt: z.iso.datetime(),
        }),
      )
      .describe('the data-quality list: contacts to correct in the directory'),
  }),
  returnInterviews: z.object({
    due: z.number().int().describe('return home interviews due in the range: found episodes whose foundAt + 72 hours falls in it'),
    done: z.number().int().describe('of those, recorded as done on the dashboard'),
    overdue: z.number().int().describe('of those, due time passed at generatedAt and not recorded as done'),
  }),
});
export type Report = z.infer<typeof reportSchema>;
