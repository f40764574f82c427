import { startTsThread } from './threads';
import type { ParentToSink, SinkOptions, SinkToParent } from './smtp-sink.thread';

export type Acceptance = { messageId: string; at: number; rcpt: string };

export type BenchSink = {
  url: string;
  /** Messages answered 250, in order of acceptance. */
  readonly count: number;
  /** Acceptance time (shared clock, ms) of the first message with this Message-ID. */
  acceptedAt(messageId: string): number | undefined;
  /** Acceptance times of messages number `from` (0-based) onwards. */
  timesSince(from: number): number[];
  /** Messages number `from` (0-based) onwards. */
  since(from: number): Acceptance[];
  /** The source of the first message to this address, when it was in `capture`. */
  captured(rcpt: string): string | undefined;
  /** Messages whose Message-ID had already been accepted: resends. */
  readonly duplicates: number;
  /** Resolves once `count` reaches `target`; rejects after `timeoutMs`. */
  waitForCount(target: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};

/** Starts the lean SMTP sink on its own thread (see smtp-sink.thread.ts). */
export async function startBenchSink(options: SinkOptions): Promise<BenchSink> {
  const thread = startTsThread(new URL('./smtp-sink.thread.ts', import.meta.url), options);
  const firstSeen = new Map<string, number>();
  const times: number[] = [];
  const accepted: Acceptance[] = [];
  const sources = new Map<string, string>();
  let duplicates = 0;
  const waiters = new Set<() => void>();

  const port = await new Promise<number>((resolve, reject) => {
    thread.once('error', reject);
    thread.on('message', (message: SinkToParent) => {
      if (message.type === 'ready') resolve(message.port);
      if (message.type === 'captured') sources.set(message.rcpt, message.source);
      if (message.type !== 'accepted') return;
      for (const [messageId, at, rcpt] of message.mails) {
        times.push(at);
        accepted.push({ messageId, at, rcpt });
        if (firstSeen.has(messageId)) duplicates += 1;
        else firstSeen.set(messageId, at);
      }
      waiters.forEach((check) => check());
    });
  });
  thread.on('error', (err) => process.stderr.write(`bench: SMTP sink thread failed: ${err.message}\n`));

  return {
    url: `smtp://127.0.0.1:${port}`,
    get count() {
      return times.length;
    },
    get duplicates() {
      return duplicates;
    },
    acceptedAt: (messageId) => firstSeen.get(messageId),
    timesSince: (from) => times.slice(from),
    since: (from) => accepted.slice(from),
    captured: (rcpt) => sources.get(rcpt.toLowerCase()),
    waitForCount(target, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (times.length < target) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP sink: ${times.length} of ${target} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        thread.on('message', (message: SinkToParent) => message.type === 'closed' && resolve());
        thread.once('exit', () => resolve());
      });
      thread.postMessage({ type: 'close' } satisfies ParentToSink);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await thread.terminate();
    },
  };
}
