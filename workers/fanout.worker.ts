import { DelayedError, type Job } from 'bullmq';
import { EpisodeBusyError, fanOutEvent, type FanoutDeps } from '../src/episodes/fan-out';
import { refillOrganisation } from '../src/episodes/refill-organisation';
import type { FanoutJob } from '../src/platform/queues';

/** The fan-out queue's processor: one event in (or one organisation to refill), its deliveries recorded and queued. */
export function fanoutProcessor(deps: FanoutDeps, deliveryAttempts: number) {
  return async (job: Job<FanoutJob>, token?: string): Promise<string> => {
    try {
      if ('refill' in job.data) {
        const { episodeId, orgType, orgId } = job.data.refill;
        return `refilled ${await refillOrganisation(deps, episodeId, { type: orgType, id: orgId }, deliveryAttempts)}`;
      }
      return await fanOutEvent(deps, job.data.eventUid, deliveryAttempts);
    } catch (err) {
      // Another worker holds this episode: wait a moment rather than spend an attempt.
      if (err instanceof EpisodeBusyError && token) {
        await job.moveToDelayed(Date.now() + 200 + Math.floor(Math.random() * 300), token);
        throw new DelayedError();
      }
      throw err;
    }
  };
}
