import { readFileSync, readdirSync } from 'node:fs';

/*
 * What the bench learns about processes from Linux's /proc, without their cooperation: peak
 * resident memory (VmHWM: the kernel's own high-water mark, so no sampling can miss a peak),
 * children, CPU time. Elsewhere each answers undefined / nothing, and the report says n/a.
 */

/** Peak resident set of a running process, in MiB. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `pid` and whose command is `command` (tsx's esbuild is a child too). */
export function childrenOf(pid: number, command = 'node'): number[] {
  const children: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === pid && stat.command === command) children.push(Number(entry));
  }
  return children;
}

/** User + system CPU time so far, in clock ticks. */
export function cpuTicks(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : stat.utime + stat.stime;
}

function readStat(pid: number): { command: string; ppid: number; utime: number; stime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { command: text.slice(text.indexOf('(') + 1, close), ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * Resolves once none of `pids` used more than a tick of CPU over `quietMs`: start-up (loading
 * and compiling modules, connecting, listening) is over and they idle. Used where a process does
 * not say when it is ready at the log level the bench runs it with.
 */
export async function untilIdle(pids: () => number[], quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = new Map(pids().map((pid) => [pid, cpuTicks(pid)]));
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = new Map(pids().map((pid) => [pid, cpuTicks(pid)]));
    const busy = [...now].some(([pid, ticks]) => ticks === undefined || before.get(pid) === undefined || ticks - before.get(pid)! > 1);
    if (!busy && now.size > 0) return;
    if (Date.now() > deadline) throw new Error('processes still busy starting after the time limit');
    before = now;
  }
}
