import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';
import { until } from './until';

export const ROOT = resolve(import.meta.dirname, '../..');
// `node --import tsx` runs the TypeScript entry in one process, so a signal reaches it directly.
const TSX_LOADER = pathToFileURL(resolve(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export type Spawned = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

/**
 * Runs one of the project's entry points as a real process (node --import tsx), as `npm start`
 * would: with NODE_ENV=development unless `env` names another, or removes it with `undefined`
 * (strict mode, as `start:api`, `start:workers` and the image run).
 */
export function runEntry(entry: string, env: ProcessEnv, options: { cwd?: string; args?: string[] } = {}): Spawned {
  // One API process unless the test asks for more: each would compile the sources through tsx again.
  return runProcess(process.execPath, ['--import', TSX_LOADER, resolve(ROOT, entry), ...(options.args ?? [])], { API_PROCESSES: '1', ...env }, options);
}

/** Environment for a child process; `undefined` removes a variable. */
export type ProcessEnv = Record<string, string | undefined>;

/** Runs a command with only PATH, HOME, LOG_LEVEL=info, NODE_ENV=development and `env` in its environment. */
export function runProcess(command: string, args: string[], env: ProcessEnv, options: { cwd?: string } = {}): Spawned {
  const merged: ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', NODE_ENV: 'development', ...env };
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls a URL until it answers with the status, or throws after the time limit. */
export async function waitForStatus(url: string, status: number, timeoutMs = 20_000): Promise<void> {
  await until(async () => (await fetch(url).catch(() => undefined))?.status, (answered) => answered === status, `${url} answering ${status}`, timeoutMs);
}

/**
 * `npm run build` once per test run, however many files want dist/: the files run in parallel
 * forks, and a second build would delete dist/ under the first file's running processes. A lock
 * directory serialises them; a marker naming the run (global-setup's runId) says it is done.
 */
export async function buildDistOnce(): Promise<void> {
  const lock = resolve(ROOT, 'node_modules/.cache/endeavor-dist-build.lock');
  const marker = resolve(ROOT, 'dist', `.built-${inject('runId')}`);
  mkdirSync(resolve(lock, '..'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run is stale after ten minutes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 600_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another file\'s npm run build');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (existsSync(marker)) return;
    const build = runProcess('npm', ['run', 'build'], { PATH: process.env.PATH });
    const code = await build.exited;
    if (code !== 0) throw new Error(`npm run build failed:\n${build.stdout()}\n${build.stderr()}`);
    writeFileSync(marker, '');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
