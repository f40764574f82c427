import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  return runProcess(process.execPath, ['--import', TSX_LOADER, resolve(ROOT, entry), ...(options.args ?? [])], env, options);
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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === status) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
