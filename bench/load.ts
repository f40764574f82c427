import { startTsThread } from './threads';
import type { LoadPlan, LoadResult } from './load.thread';

export type { LoadPlan, LoadResult, PostSample } from './load.thread';

/** Runs one load plan on its own thread and resolves with every request's sample. */
export function runLoad(plan: LoadPlan, timeoutMs: number): Promise<LoadResult> {
  const thread = startTsThread(new URL('./load.thread.ts', import.meta.url), plan);
  return new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void thread.terminate();
      reject(new Error(`load: ${plan.count} posts did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    thread.once('message', (result: LoadResult) => {
      clearTimeout(timer);
      resolve(result);
    });
    thread.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    thread.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`load thread exited with ${code}`));
    });
  });
}
