import { DelayedError, type Job } from 'bullmq';
import { EpisodeBusyError, fanOutEvent, type FanoutDeps } from '../src/episodes/fan-out';
import type { FanoutJob } from '../src/platform/queues';

/** The fan-out queue's processor: one event in, its deliveries recorded and queued. */
export function fanoutProcessor(deps: FanoutDeps, deliveryAttempts: number) {
  return async (job: Job<FanoutJob>, token?: string): Promise<string> => {
    try {
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
