import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { childrenOf, peakRssMiB, untilIdle } from './proc';

/*
 * The service under test, run as production runs it: `start:api` (src/main.ts --api: a
 * node:cluster primary and API_PROCESSES API processes) and `start:workers` (workers/main.ts),
 * each its own OS process, from the TypeScript sources through tsx's loader (`node --import tsx`,
 * the code `npm start` runs) rather than the compiled dist/ the image runs: the same JavaScript
 * after a one-off transform at load.
 */

const ROOT = resolve(import.meta.dirname, '..');

export type ServiceProcess = {
  role: string;
  pid: number;
  /** Peak RSS of the process and of each of its node children (the API processes), in MiB. */
  peakRss(): Array<{ role: string; pid: number; peakRssMiB: number | undefined }>;
  /** SIGTERM, then the exit code (the drain of SHUTDOWN_TIMEOUT_MS; null = killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL to the process and its children, for a run that gives up. */
  kill(): void;
  exited: Promise<number | null>;
};

function spawnEntry(role: string, entry: string, args: string[], env: Record<string, string>): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    // Logs are off unless LOG_LEVEL says otherwise; whatever is written is not the bench's output.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const pid = child.pid!;
  return {
    role,
    pid,
    exited,
    peakRss: () => [
      { role, pid, peakRssMiB: peakRssMiB(pid) },
      ...childrenOf(pid).map((childPid, i) => ({ role: `${role} process ${i + 1}`, pid: childPid, peakRssMiB: peakRssMiB(childPid) })),
    ],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill() {
      for (const childPid of childrenOf(pid)) process.kill(childPid, 'SIGKILL');
      child.kill('SIGKILL');
    },
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (gone) throw new Error(`${what}: the process exited`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const answers = async (url: string, status: number) => (await fetch(url).catch(() => undefined))?.status === status;

/**
 * `start:api` on `port`. Ready once /healthz answers and every API process has finished
 * starting (idle CPU: with logs off, no line says so).
 */
export async function startApi(env: Record<string, string>, port: number, processes: number, spawned: (service: ServiceProcess) => void): Promise<ServiceProcess> {
  const api = spawnEntry('api', 'src/main.ts', ['--api'], { ...env, PORT: String(port), API_PROCESSES: String(processes) });
  spawned(api);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => answers(`${url}/healthz`, 200), 'api /healthz', 120_000, api.exited);
  if (process.platform === 'linux') {
    const apiProcesses = processes > 1 ? () => childrenOf(api.pid) : () => [api.pid];
    await waitFor(async () => apiProcesses().length === processes, `${processes} api processes`, 60_000, api.exited);
    await untilIdle(apiProcesses, 300, 120_000);
  }
  return api;
}

/** `start:workers`; ready once the API's /readyz sees its heart-beat. */
export async function startWorkers(env: Record<string, string>, apiUrl: string, spawned: (service: ServiceProcess) => void): Promise<ServiceProcess> {
  const workers = spawnEntry('workers', 'workers/main.ts', [], env);
  spawned(workers);
  await waitFor(() => answers(`${apiUrl}/readyz`, 200), 'workers heart-beat (/readyz)', 120_000, workers.exited);
  return workers;
}
