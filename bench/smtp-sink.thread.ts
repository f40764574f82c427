import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';
import { clock } from './threads';

/*
 * A lean SMTP sink on its own thread: a real smtp-server session (EHLO, MAIL, RCPT, DATA,
 * 250), but it keeps only each message's Message-ID, recipient and the time it answered 250,
 * so parsing mail never competes with the bench's main thread. Acceptances go to the parent in
 * small batches. The whole source of the first message to each address in `capture` is kept
 * too: the raw ceiling sends copies of what the service sent.
 */

export type SinkOptions = { capture: string[] };
export type SinkToParent =
  | { type: 'ready'; port: number }
  | { type: 'accepted'; mails: Array<[messageId: string, at: number, rcpt: string]> }
  | { type: 'captured'; rcpt: string; source: string }
  | { type: 'closed' };
export type ParentToSink = { type: 'close' };

const port = parentPort!;
const HEAD_LIMIT = 64 * 1024;
const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]*>)/im;

const toCapture = new Set((workerData as SinkOptions).capture.map((address) => address.toLowerCase()));

let batch: Array<[string, number, string]> = [];
let flushTimer: NodeJS.Timeout | undefined;
const flush = () => {
  flushTimer = undefined;
  if (batch.length === 0) return;
  port.postMessage({ type: 'accepted', mails: batch } satisfies SinkToParent);
  batch = [];
};

const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  maxClients: 1000,
  closeTimeout: 200,
  logger: false,
  onData(stream, session, callback) {
    const rcpt = session.envelope.rcptTo[0]?.address.toLowerCase() ?? '';
    const capture = toCapture.delete(rcpt);
    const whole: Buffer[] = [];
    let head = '';
    let headDone = false;
    stream.on('data', (chunk: Buffer) => {
      if (capture) whole.push(chunk);
      if (headDone) return;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        head = head.slice(0, end);
        headDone = true;
      } else if (head.length > HEAD_LIMIT) {
        headDone = true;
      }
    });
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      batch.push([MESSAGE_ID.exec(head)?.[1] ?? '', clock(), rcpt]);
      if (capture) port.postMessage({ type: 'captured', rcpt, source: Buffer.concat(whole).toString('latin1') } satisfies SinkToParent);
      flushTimer ??= setTimeout(flush, 5);
      callback(null, 'OK: accepted');
    });
  },
});
server.on('error', () => {});

server.listen(0, '127.0.0.1', () => {
  port.postMessage({ type: 'ready', port: (server.server.address() as AddressInfo).port } satisfies SinkToParent);
});

port.on('message', (message: ParentToSink) => {
  if (message.type !== 'close') return;
  server.close(() => {
    flush();
    port.postMessage({ type: 'closed' } satisfies SinkToParent);
    port.close();
  });
});
