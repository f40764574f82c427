/**
 * SPEC §4: `direct` is the child's own school or GP practice, asked to act; `area` is every
 * other organisation of the locality, told to watch out.
 */
export const AUDIENCES = ['direct', 'area'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** What a message to an organisation is about (SPEC §5); notices to staff are not among them. */
export const MESSAGE_KINDS = ['alert', 'update', 'reminder', 'found', 'cancelled'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
