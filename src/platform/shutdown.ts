import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

export type ShutdownOptions = {
  /** SHUTDOWN_TIMEOUT_MS: past it the process exits 1 with whatever is still running. */
  timeoutMs: number;
  log: Logger;
  /** Stops accepting, lets in-flight work finish or return to its queue, closes connections. */
  stop: () => Promise<void>;
  /** For tests; the process by default. */
  signals?: EventEmitter;
  exit?: (code: number) => void;
};

/**
 * On SIGTERM or SIGINT, runs `stop` once and exits 0 when it is done, or 1 when it fails or
 * the deadline passes first: with Redis away, closing BullMQ workers never returns, and an
 * orchestrator's SIGKILL after its grace period would be worse than our own exit. Jobs still
 * running then are not lost: their locks expire and the stalled check runs them again.
 * A second signal exits at once (Ctrl-C twice in development).
 */
export function exitOnSignal(options: ShutdownOptions): void {
  const { log, timeoutMs } = options;
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown deadline passed: exiting with work unfinished');
      exit(1);
    }, timeoutMs);
    options.stop().then(
      () => {
        clearTimeout(deadline);
        log.info('shut down');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        log.error({ error: (err as Error).name }, 'shutdown failed');
        exit(1);
      },
    );
  };
  signals.on('SIGTERM', () => onSignal('SIGTERM'));
  signals.on('SIGINT', () => onSignal('SIGINT'));
}
