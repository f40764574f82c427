/** SPEC §3: the police's risk grading of a missing episode; it orders sends and sets deadlines. */
export const RISKS = ['very_low', 'low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];
