import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import type { OutgoingMail } from '../src/delivery/mail.transport';
import { peakRssMiB } from './proc';
import type { FromRaw, ToRaw } from './raw.process';

export type { RawMails } from './raw.process';

export type RawProcess = {
  pid: number;
  /** Sends the message and resolves with the first answer of type `until`. */
  ask(message: ToRaw, until: FromRaw['type'], timeoutMs: number): Promise<void>;
  peakRssMiB(): number | undefined;
  close(): Promise<void>;
};

/** Forks bench/raw.process.ts with the service's environment (SMTP_URL, QUEUE_PREFIX, …). */
export async function startRawProcess(env: Record<string, string>): Promise<RawProcess> {
  const child = fork(fileURLToPath(new URL('./raw.process.ts', import.meta.url)), [], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const answer = (type: FromRaw['type'], timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`raw process: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: FromRaw) => {
        if (message.type === type) done();
        else if (message.type === 'failed') done(new Error(`raw process: ${message.message}`));
      };
      const onExit = (code: number | null) => done(new Error(`raw process exited with ${code}`));
      const done = (err?: Error) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  await answer('ready', 120_000);
  return {
    pid: child.pid!,
    async ask(message, until, timeoutMs) {
      const answered = answer(until, timeoutMs);
      child.send(message);
      await answered;
    },
    peakRssMiB: () => peakRssMiB(child.pid),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'close' } satisfies ToRaw);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Headers nodemailer writes itself from the message's fields. */
const BUILT_BY_TRANSPORT = new Set(['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding']);

/**
 * An email the service sent, read back from its source into the fields the transport takes:
 * the raw ceiling then builds the same MIME the delivery worker builds, without depending on
 * how the service renders it.
 */
export async function outgoingFromSource(source: string, rcpt: string): Promise<OutgoingMail> {
  const parsed = await simpleParser(Buffer.from(source, 'latin1'));
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    if (BUILT_BY_TRANSPORT.has(key)) continue;
    headers[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  return {
    to: rcpt,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    headers,
    messageId: parsed.messageId ?? '<raw@bench.invalid>',
  };
}
