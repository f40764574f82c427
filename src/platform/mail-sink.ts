import { randomUUID } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { listenSmtp } from './smtp-listen';

/**
 * The embedded development mail sink (SPEC §9): with no `SMTP_URL` outside production,
 * `npm start` sends through this loopback SMTP server, which accepts every message and keeps
 * the most recent ones in memory for the dashboard to show. Nothing leaves the machine.
 */

export type SinkMessage = {
  id: string;
  /** When the sink accepted it, ISO 8601. */
  at: string;
  /** The `From` header as written (falls back to the envelope sender). */
  from: string;
  /** Envelope recipients. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
};

export type MailSink = {
  /** `smtp://HOST:PORT`, ready to be used as `SMTP_URL`. */
  url: string;
  port: number;
  /** Newest first, at most `keep`. */
  messages(): SinkMessage[];
  close(): Promise<void>;
};

export type MailSinkOptions = {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How many messages to remember (default 200). */
  keep?: number;
  /** Called for every caught message, e.g. to push it to a live page. */
  onMessage?: (message: SinkMessage) => void;
};

/** Large enough for any alert, small enough that a stray client cannot exhaust memory. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** Reads one message's data; refuses one over the size limit (552), answers once it is stored (or 554). */
function receiveMessage(store: (raw: Buffer, session: SMTPServerSession) => Promise<void>) {
  return (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) => {
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = (err: Error | null) => {
      if (answered) return;
      answered = true;
      callback(err);
    };
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => answer(err));
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        return answer(Object.assign(new Error('5.3.4 message too big for the dev mail sink'), { responseCode: 552 }));
      }
      store(Buffer.concat(chunks), session).then(
        () => answer(null),
        () => answer(Object.assign(new Error('5.6.0 message could not be parsed'), { responseCode: 554 })),
      );
    });
  };
}

export async function startMailSink(options: MailSinkOptions = {}): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? 200;
  // The sink exists only outside production: loading mailparser here keeps an API process
  // that never calls this from loading it (the bounce listener loads it where bounces are on).
  const { simpleParser } = await import('mailparser');
  const caught: SinkMessage[] = [];

  const store = async (raw: Buffer, session: SMTPServerSession) => {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const envelope = session.envelope;
    const message: SinkMessage = {
      id: randomUUID(),
      at: new Date().toISOString(),
      from: parsed.from?.text || (envelope.mailFrom ? envelope.mailFrom.address : ''),
      to: envelope.rcptTo.map((rcpt) => rcpt.address),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      messageId: parsed.messageId ?? '',
    };
    caught.unshift(message);
    if (caught.length > keep) caught.length = keep;
    options.onMessage?.(message);
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    // The sink listens on loopback only by default and takes any credentials-free client.
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    closeTimeout: 1_000,
    logger: false,
    onData: receiveMessage(store),
  });
  // Client-side resets surface as 'error' events; they must not bring the app down.
  server.on('error', () => {});

  const port = await listenSmtp(server, options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    // The sink offers no STARTTLS; on 587 the mail transport would insist on it unless told.
    url: `smtp://${urlHost}:${port}${port === 587 ? '?requireTLS=false' : ''}`,
    port,
    messages: () => [...caught],
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
