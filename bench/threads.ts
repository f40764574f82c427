import { Worker } from 'node:worker_threads';

/**
 * Starts a TypeScript module in a worker thread. tsx's loader does not follow the process
 * into workers on Node 20, so the thread registers it before importing the module.
 */
export function startTsThread(module: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Milliseconds on one clock shared by every thread of the process (sub-millisecond). */
export const clock = (): number => performance.timeOrigin + performance.now();
