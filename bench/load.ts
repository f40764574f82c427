import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoader, LoadPlan, LoadResult, ToLoader } from './load.process';
import { peakRssMiB } from './proc';

export type { LoadPlan, LoadResult, PostSample } from './load.process';

export type Loader = {
  pid: number;
  /** Runs one load plan in the load process and resolves with every request's sample. */
  run(plan: LoadPlan, timeoutMs: number): Promise<LoadResult>;
  peakRssMiB(): number | undefined;
  close(): Promise<void>;
};

/** Forks the load generator (bench/load.process.ts) with the same node and tsx loader as the bench. */
export async function startLoader(): Promise<Loader> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./load.process.ts', import.meta.url)), [], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (result: LoadResult) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load process exited with ${code} before it was ready`)));
    child.on('message', (message: FromLoader) => {
      if (message.type === 'ready') resolve();
      if (message.type === 'ready') return;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === 'result') waiter?.resolve(message.result);
      else waiter?.reject(new Error(`load: ${message.message}`));
    });
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`load process exited with ${code}`));
    pending.clear();
  });

  return {
    pid: child.pid!,
    run(plan, timeoutMs) {
      const id = nextId++;
      return new Promise<LoadResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`load: ${plan.count} posts did not finish in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (result) => (clearTimeout(timer), resolve(result)),
          reject: (err) => (clearTimeout(timer), reject(err)),
        });
        child.send({ type: 'run', id, plan } satisfies ToLoader);
      });
    },
    peakRssMiB: () => peakRssMiB(child.pid),
    async close() {
      if (child.connected) child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
