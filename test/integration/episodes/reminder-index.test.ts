import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../../src/episodes/episode.store';
import type { Stores } from '../../../src/stores';
import { privateStores } from '../../helpers/stores';

/*
 * SPEC §7 reminders, as the sweep reads them: only open episodes whose last reminder (else
 * alert) is at least the interval ago, from an index the episode's save keeps, never every
 * open episode; a closed episode leaves it.
 */
const HOUR = 3600_000;
const NOW = new Date('2026-11-30T12:00:00Z');
let stores: Stores;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stores, close } = await privateStores('remind'));
});
afterAll(async () => {
  await close();
});

let n = 0;
function episode(state: EpisodeRecord['state'], times: { alertedHoursAgo?: number; lastReminderHoursAgo?: number }): EpisodeRecord {
  n += 1;
  const ago = (h: number | undefined) => (h === undefined ? undefined : new Date(NOW.getTime() - h * HOUR).toISOString());
  return {
    episodeId: `ep_${n.toString(16).padStart(24, '0')}`,
    feedId: 'feed-test',
    policeReference: `NP-REMIND-${n}`,
    reported: true,
    state,
    risk: 'low',
    openedAt: new Date(NOW.getTime() - 100 * HOUR).toISOString(),
    facts: { policeReference: `NP-REMIND-${n}`, risk: 'low', child: {} },
    schoolUrn: '990001',
    gpOdsCode: undefined,
    postcodeDistrict: 'NE46',
    foundAt: undefined,
    returnInterviewDueAt: undefined,
    locality: undefined,
    unroutable: [],
    inactive: [],
    updatedAt: NOW.toISOString(),
    ...(ago(times.alertedHoursAgo) ? { alertedAt: ago(times.alertedHoursAgo) } : {}),
    ...(ago(times.lastReminderHoursAgo) ? { lastReminderAt: ago(times.lastReminderHoursAgo) } : {}),
    ...(state !== 'open' ? { closedAt: NOW.toISOString() } : {}),
  } as EpisodeRecord;
}

describe('the reminder index', () => {
  it('offers only open episodes whose next reminder counts from the interval ago or earlier, oldest first', async () => {
    const due = episode('open', { alertedHoursAgo: 30 });
    const remindedLately = episode('open', { alertedHoursAgo: 40, lastReminderHoursAgo: 2 });
    const remindedLongAgo = episode('open', { alertedHoursAgo: 50, lastReminderHoursAgo: 26 });
    const fresh = episode('open', { alertedHoursAgo: 1 });
    const neverAlerted = episode('open', {});
    const closed = episode('found', { alertedHoursAgo: 60 });
    for (const e of [due, remindedLately, remindedLongAgo, fresh, neverAlerted, closed]) await stores.episodes.save(e);

    const candidates = await stores.episodes.reminderCandidates(NOW.getTime() - 24 * HOUR);
    expect(candidates.map((e) => e.episodeId)).toEqual([due.episodeId, remindedLongAgo.episodeId]);

    // Closing takes an episode out.
    await stores.episodes.save({ ...due, state: 'found', closedAt: NOW.toISOString() });
    expect((await stores.episodes.reminderCandidates(NOW.getTime() - 24 * HOUR)).map((e) => e.episodeId)).toEqual([remindedLongAgo.episodeId]);
  });
});
