/** SPEC §3: an episode is open until the first found or cancelled event closes it for good. */
export type EpisodeState = 'open' | 'found' | 'cancelled';
