/**
 * SPEC §4: `direct` is the child's own school or GP practice, asked to act; `area` is every
 * other organisation of the locality, told to watch out.
 */
export type Audience = 'direct' | 'area';

/** What a message to an organisation is about (SPEC §5); notices to staff are not among them. */
export type MessageKind = 'alert' | 'update' | 'reminder' | 'found' | 'cancelled';
