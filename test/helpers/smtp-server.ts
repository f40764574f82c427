import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server for tests, on 127.0.0.1 and a free port. It catches what it accepts and
 * can be scripted to answer 250 (accept), 451 (try again later) or 550 (mailbox unavailable),
 * at the end of DATA (`respondWith`) or at RCPT TO (`respondToRcptWith`).
 */

export type SmtpReply = 250 | 451 | 550;

export type CaughtMail = {
  /** As in the header, angle brackets included: `<deliveryId@host>`. */
  messageId: string;
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /**
   * Lower-cased header name → value as sent (unfolded, not RFC 2047-decoded); the first
   * occurrence when a header repeats.
   */
  headers: Map<string, string>;
  raw: string;
  at: number;
  /** The session was upgraded with STARTTLS before the mail was sent (servers started with `tls`). */
  secure: boolean;
};

export type MailSummary = { to: string[]; subject: string };
export type DataResponder = SmtpReply | ((mail: MailSummary) => SmtpReply);
/** The reply to one RCPT TO; `from` is the envelope sender of the message (MAIL FROM). */
export type RcptResponder = SmtpReply | ((recipient: string, from: string) => SmtpReply);
/** Runs at each MAIL FROM, before the server answers it: the message's RCPT TO comes after it settles. */
export type MailFromHook = (from: string) => Promise<void> | void;

export type TestSmtp = {
  port: number;
  /** `smtp://127.0.0.1:PORT` */
  url: string;
  /** Accepted mails only, oldest first (a live array). */
  readonly mails: CaughtMail[];
  /** DATA commands seen (accepted or not). */
  readonly attempts: number;
  /** Scripts the reply to the end of DATA, for every message until changed. */
  respondWith(reply: DataResponder): void;
  /** Scripts the reply to each RCPT TO, until changed (default 250). */
  respondToRcptWith(reply: RcptResponder): void;
  /** Runs `hook` at each MAIL FROM until changed (undefined: none); its failure does not refuse the mail. */
  onMailFrom(hook: MailFromHook | undefined): void;
  /** Resolves with the mails once `predicate` holds; rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (mails: CaughtMail[]) => boolean, timeoutMs?: number): Promise<CaughtMail[]>;
  /** Forgets mails and attempts and goes back to answering 250 everywhere. */
  clear(): void;
  close(): Promise<void>;
};

export type TestSmtpOptions = {
  /** Wait this long before answering the end of DATA (to exercise client timeouts). */
  replyDelayMs?: number;
  /** Offer STARTTLS with this key and certificate (PEM); without it STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
};

const REPLY_TEXT: Record<Exclude<SmtpReply, 250>, string> = {
  451: '4.3.0 try again later',
  550: '5.1.1 mailbox unavailable',
};

function smtpError(code: Exclude<SmtpReply, 250>, recipient?: string): Error & { responseCode: number } {
  // Real servers echo the recipient (Postfix: "550 5.1.1 <x@y>: Recipient address rejected"),
  // which is what makes scrubbing addresses from error texts necessary.
  const text = recipient ? `${REPLY_TEXT[code]} <${recipient}>` : REPLY_TEXT[code];
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const mails: CaughtMail[] = [];
  let attempts = 0;
  let dataResponder: DataResponder = 250;
  let rcptResponder: RcptResponder = 250;
  let mailFromHook: MailFromHook | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());

  const catchMail = async (raw: Buffer, session: SMTPServerSession): Promise<CaughtMail> => {
    const parsed = await simpleParser(raw, { skipImageLinks: true });
    const headers = new Map<string, string>();
    for (const { key, line } of parsed.headerLines) {
      if (headers.has(key)) continue;
      const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
      headers.set(key, value);
    }
    const envelope = session.envelope;
    return {
      messageId: parsed.messageId ?? '',
      from: envelope.mailFrom ? envelope.mailFrom.address : '',
      to: envelope.rcptTo.map((rcpt) => rcpt.address),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers,
      raw: raw.toString('utf8'),
      at: Date.now(),
      secure: session.secure === true,
    };
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ) => {
    attempts += 1;
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = (err: Error | null, message?: string) => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => answer(err));
    stream.on('end', () => {
      void (async () => {
        const mail = await catchMail(Buffer.concat(chunks), session);
        const reply =
          typeof dataResponder === 'function'
            ? dataResponder({ to: mail.to, subject: mail.subject })
            : dataResponder;
        if (options.replyDelayMs) await new Promise((resolve) => setTimeout(resolve, options.replyDelayMs));
        if (reply !== 250) return answer(smtpError(reply, mail.to[0]));
        mails.push(mail);
        answer(null, `OK: queued as ${attempts}`);
        notify();
      })().catch(() => answer(smtpError(451)));
    });
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert, disabledCommands: ['AUTH'] } : { disabledCommands: ['STARTTLS', 'AUTH'] }),
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    // Tests open many short sessions and some pooled ones; don't cap them.
    maxClients: 1000,
    closeTimeout: 200,
    logger: false,
    onMailFrom(address, _session, callback) {
      const hook = mailFromHook;
      if (!hook) return callback();
      Promise.resolve()
        .then(() => hook(address.address))
        .then(
          () => callback(),
          () => callback(),
        );
    },
    onRcptTo(address, session, callback) {
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const reply = typeof rcptResponder === 'function' ? rcptResponder(address.address, from) : rcptResponder;
      callback(reply === 250 ? null : smtpError(reply, address.address));
    },
    onData,
  });
  // Client resets and the like arrive as 'error' events; a test server must not crash on them.
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    get mails() {
      return mails;
    },
    get attempts() {
      return attempts;
    },
    respondWith(reply) {
      dataResponder = reply;
    },
    respondToRcptWith(reply) {
      rcptResponder = reply;
    },
    onMailFrom(hook) {
      mailFromHook = hook;
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(mails)) return false;
          done();
          resolve([...mails]);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`waitFor: condition not met in ${timeoutMs} ms (${mails.length} accepted, ${attempts} DATA attempts)`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        if (!check()) listeners.add(check);
      });
    },
    clear() {
      mails.length = 0;
      attempts = 0;
      dataResponder = 250;
      rcptResponder = 250;
      mailFromHook = undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
