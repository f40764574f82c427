import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { exitOnSignal } from './shutdown';

/*
 * `start:api` on every core (issue 11): a node:cluster primary that only supervises, and
 * API_PROCESSES workers that each run the whole API on the one shared port (the primary hands
 * connections out round-robin). Nothing is shared between them but Redis, as between api
 * containers.
 *
 * A worker that dies unexpectedly is not restarted. The primary logs it, lets the others finish
 * their requests (SIGTERM, SHUTDOWN_TIMEOUT_MS) and exits 1, so the process supervisor that
 * already restarts a crashed single-process api (compose's restart policy, Kubernetes) sees the
 * failure, counts it and backs off. Restarting inside would hide a crash loop behind a process
 * that looks healthy and would need a second restart policy of its own; stopping loses nothing,
 * since every accepted event is in Redis before its 202 and a feed retries a request that
 * got no answer (its eventId makes the retry harmless). One process dying is then what it was
 * with one process.
 */

export type ApiClusterOptions = {
  processes: number;
  /** SHUTDOWN_TIMEOUT_MS: the whole drain, every API process included. */
  timeoutMs: number;
  log: Logger;
  /** Runs once every API process has exited, e.g. stopping a development redis-server. */
  afterStop?: () => Promise<void>;
};

/**
 * In the primary: forks the API processes (each re-runs this entry with the same arguments and
 * loader flags, and finds itself a cluster worker), then supervises them as above. On SIGTERM or
 * SIGINT it sends SIGTERM to each and exits 0 once all have drained and exited 0; 1 if any did
 * not, or if the deadline passed (then what still runs is killed).
 */
export function runApiCluster(options: ApiClusterOptions): void {
  const { log, processes, timeoutMs } = options;
  const running = new Set<Worker>();
  let failed = false;
  let allExited!: () => void;
  const exited = new Promise<void>((resolve) => (allExited = resolve));
  let stopping: Promise<void> | undefined;

  const stopAll = () =>
    (stopping ??= (async () => {
      for (const worker of running) worker.process.kill('SIGTERM');
      if (running.size === 0) allExited();
      await exited;
      await options.afterStop?.();
    })());
  const killAll = () => {
    for (const worker of running) worker.process.kill('SIGKILL');
  };

  cluster.on('exit', (worker, code, signal) => {
    running.delete(worker);
    const fields = { apiProcess: worker.id, apiPid: worker.process.pid, code, signal };
    if (stopping) {
      // Ended by our SIGTERM itself: it came before the process was listening, so nothing was in flight.
      if (code !== 0 && signal !== 'SIGTERM') {
        failed = true;
        log.warn(fields, 'api process did not stop cleanly');
      }
    } else {
      failed = true;
      log.error(fields, 'api process exited unexpectedly: stopping the others');
      const deadline = setTimeout(() => {
        log.error({ timeoutMs }, 'shutdown deadline passed: exiting with work unfinished');
        killAll();
        process.exit(1);
      }, timeoutMs);
      void stopAll().finally(() => {
        clearTimeout(deadline);
        process.exit(1);
      });
    }
    if (running.size === 0) allExited();
  });

  exitOnSignal({
    timeoutMs,
    log,
    stop: async () => {
      await stopAll();
      if (failed) throw new ApiProcessFailedError();
    },
    exit: (code) => {
      if (code !== 0) killAll();
      process.exit(code);
    },
  });
  // After the signal handlers, so a SIGTERM during start-up already drains what has started.
  for (let i = 0; i < processes; i += 1) running.add(cluster.fork());
  log.info({ processes }, 'api processes started');
}

class ApiProcessFailedError extends Error {
  override name = 'ApiProcessFailedError';
  constructor() {
    super('an api process exited unexpectedly or did not stop cleanly');
  }
}

/**
 * The signals an API process of the cluster acts on: the first SIGTERM, which the primary sends.
 * Ctrl-C in a terminal sends SIGINT to the whole process group, and systemd's default stop sends
 * SIGTERM to every process of the unit; the primary answers both with its own SIGTERM, so a
 * signal that reaches this process directly must not count as a second one that skips the drain.
 * The primary's deadline (and its SIGKILL) bounds the drain instead.
 *
 * A SIGTERM that comes while the process is still starting (a `docker stop` just after the
 * start) is kept and handed to the drain's listener when it is attached, so the process drains
 * and exits 0 as soon as it is up, rather than missing the signal and being killed at the deadline.
 */
export function apiProcessSignals(source: NodeJS.EventEmitter = process): EventEmitter {
  const signals = new EventEmitter();
  let received = false;
  signals.on('newListener', (event: string | symbol, listener: () => void) => {
    if (event === 'SIGTERM' && received) queueMicrotask(listener);
  });
  source.once('SIGTERM', () => {
    received = true;
    source.on('SIGTERM', () => undefined);
    signals.emit('SIGTERM');
  });
  source.on('SIGINT', () => undefined);
  return signals;
}

export const isApiProcess = (): boolean => cluster.isWorker;

/** The API process's number within the cluster (1, 2, …); undefined outside one. */
export const apiProcessId = (): number | undefined => cluster.worker?.id;
