import nodemailer, { type SMTPPoolOptions, type SMTPTransportOptions } from 'nodemailer';
import { CONTROL_CHARACTERS, replaceUnsafeText } from '../platform/text';

/**
 * The mail repository: a thin wrapper round a pooled nodemailer SMTP transport. It sends what
 * it is given and reports how SMTP answered; whether to retry, fail or notify is decided by
 * the delivery stage, using {@link classifySmtpError}.
 */

/** One email to one named contact (SPEC §5: the Message-ID is the delivery's, so a resend keeps it). */
export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. `Auto-Submitted`, `In-Reply-To`, `References`. */
  headers: Record<string, string>;
  /** `<deliveryId@host>`; the angle brackets are added when missing. */
  messageId: string;
  /** The envelope sender (MAIL FROM), e.g. a VERP bounce address; unset = the address of `From`. */
  envelopeFrom?: string;
};

export type SendResult = {
  accepted: boolean;
  /** The server's final reply line, with any email address replaced by `<address>`. */
  response: string;
};

export type MailTransport = {
  /** Resolves when the server accepted the message; throws a {@link MailSendError} otherwise. */
  send(message: OutgoingMail): Promise<SendResult>;
  /** Opens a connection and checks the server greets and (if configured) accepts the login. */
  verify(): Promise<void>;
  close(): Promise<void>;
};

export type MailTransportTimeouts = {
  /** Time to establish the TCP (or TLS) connection. */
  connectionMs: number;
  /** Time from connecting to the server's 220 greeting. */
  greetingMs: number;
  /** Idle time on an open connection, e.g. waiting for the reply to the end of DATA. */
  socketMs: number;
};

export type MailTransportOptions = {
  /** `smtp://[user:pass@]host[:port][?requireTLS=true|false]` or `smtps://…`. */
  url: string;
  /** The `From` of every message, e.g. `Operation Endeavor <endeavor@localhost>`. */
  from: string;
  /** Keep connections open and reuse them (default true). */
  pool?: boolean;
  /** The most connections the pool opens (SMTP_POOL_SIZE; default 5, nodemailer's own). */
  maxConnections?: number;
  timeouts?: Partial<MailTransportTimeouts>;
};

export const DEFAULT_TIMEOUTS: MailTransportTimeouts = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 30_000,
};

const DEFAULT_MAX_CONNECTIONS = 5;

/** Creates the transport; throws at once (start-up) when the URL is not a usable SMTP URL. */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const connection: SMTPTransportOptions = {
    ...parseSmtpUrl(options.url),
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: timeouts.connectionMs,
    // nodemailer's own log lines carry recipient addresses: keep it silent.
    logger: false,
    // Our messages never attach files or URLs; refuse them rather than read the disk.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const defaults = { from: options.from };
  const transporter =
    options.pool === false
      ? nodemailer.createTransport(connection, defaults)
      : nodemailer.createTransport(
          { ...connection, pool: true, maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS } satisfies SMTPPoolOptions & { pool: true },
          defaults,
        );

  return {
    async send(message) {
      try {
        const info = await transporter.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: message.headers,
          messageId: message.messageId.startsWith('<') ? message.messageId : `<${message.messageId}>`,
          ...(message.envelopeFrom ? { envelope: { from: message.envelopeFrom, to: message.to } } : {}),
        });
        const accepted: unknown[] = Array.isArray(info.accepted) ? info.accepted : [];
        return { accepted: accepted.length > 0, response: safeText(String(info.response ?? '')) };
      } catch (err) {
        throw new MailSendError(err);
      }
    },
    async verify() {
      try {
        await transporter.verify();
      } catch (err) {
        throw new MailSendError(err);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * Reads an SMTP URL into connection options. Only `requireTLS` is accepted in the query, so a
 * typo (or an attempt to switch TLS checks off through config) stops start-up instead of
 * being ignored.
 *
 * TLS policy: `smtps://` is TLS from the first byte (port 465 by default). `smtp://` upgrades
 * with STARTTLS whenever the server offers it; STARTTLS is *required* when the port is 587
 * (the submission port, also the default here): a relay on 587 takes credentials, and SPEC §1
 * promises the alert travels securely, so we would rather fail than fall back to clear text.
 * `?requireTLS=false` opts out explicitly (e.g. a local relay), `?requireTLS=true` opts in on
 * any port.
 */
export function parseSmtpUrl(url: string): SMTPTransportOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it may hold the relay password.
    throw new Error('SMTP URL is not a valid URL');
  }
  const secure = parsed.protocol === 'smtps:';
  if (!secure && parsed.protocol !== 'smtp:') {
    throw new Error(`SMTP URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  if (!parsed.hostname) throw new Error('SMTP URL has no host');
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587;

  let requireTLS = !secure && port === 587;
  for (const [key, value] of parsed.searchParams) {
    if (key !== 'requireTLS') throw new Error(`SMTP URL: unsupported query parameter "${key}"`);
    if (value !== 'true' && value !== 'false') throw new Error('SMTP URL: requireTLS must be true or false');
    requireTLS = !secure && value === 'true';
  }

  const options: SMTPTransportOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    requireTLS,
  };
  if (parsed.username || parsed.password) {
    options.auth = { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
  }
  return options;
}

export type SmtpErrorKind = 'temporary' | 'permanent';

/**
 * What `send` and `verify` throw: the SMTP facts of the failure (code, reply code, command)
 * with a message safe to store and log. The original error is deliberately not kept as
 * `cause`: its message often names the recipient.
 */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  readonly kind: SmtpErrorKind;
  /** nodemailer's code, e.g. `EMESSAGE`, `EENVELOPE`, `ESOCKET`, `ETIMEDOUT`. */
  readonly code: string | undefined;
  /** The system code under a nodemailer one, e.g. `ECONNREFUSED` under `ESOCKET`. */
  readonly originalCode: string | undefined;
  readonly responseCode: number | undefined;
  /** The SMTP command that was answered with the error, e.g. `DATA`, `RCPT TO`. */
  readonly command: string | undefined;
  /** The server's reply line, addresses scrubbed. */
  readonly response: string | undefined;

  constructor(err: unknown) {
    super(describeSmtpError(err));
    const fields = smtpFields(err);
    this.kind = classifySmtpError(err);
    this.code = fields.code;
    this.originalCode = fields.originalCode;
    this.responseCode = fields.responseCode;
    this.command = fields.command;
    this.response = fields.response === undefined ? undefined : safeText(fields.response);
  }
}

/**
 * Errors that end or never start the SMTP session rather than refuse this message. Their
 * reply code, if any, speaks about the connection (a 554 greeting, a 535 login failure):
 * the relay or our configuration is at fault, and the same message can go through once
 * that is fixed, so they are retried.
 */
const SESSION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'EAUTH',
  'ENOAUTH',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Refusals of the message itself that nodemailer makes before asking the server. */
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * Whether trying the same message again can succeed (SPEC §6): `temporary` for a 4xx reply, a
 * timeout, a refused or dropped connection, and anything unknown; `permanent` for a 5xx reply
 * to the message (MAIL FROM, RCPT TO, DATA), or an envelope nodemailer refuses to send.
 *
 * Exceptions, as RFC 5321 and nodemailer treat them: 503 (bad sequence of commands) is a
 * session mix-up, not a verdict on the message, so it is temporary; so is a 5xx that came
 * with a session-level code (failed login, refused TLS, 554 greeting), see SESSION_CODES.
 */
export function classifySmtpError(err: unknown): SmtpErrorKind {
  if (err instanceof MailSendError) return err.kind;
  const { code, originalCode, responseCode } = smtpFields(err);
  if ((code && SESSION_CODES.has(code)) || (originalCode && SESSION_CODES.has(originalCode))) return 'temporary';
  if (responseCode !== undefined) {
    return responseCode >= 500 && responseCode < 600 && responseCode !== 503 ? 'permanent' : 'temporary';
  }
  if (code && MESSAGE_CODES.has(code)) return 'permanent';
  return 'temporary';
}

const DESCRIPTION_MAX = 200;

/**
 * A short text for the delivery record: `CODE [(SYSTEM CODE)] [COMMAND]: reply or message`,
 * on one line, at most 200 characters, every email address replaced by `<address>` (servers
 * echo the recipient in their replies, and SPEC §11 keeps personal data out of records and logs).
 */
export function describeSmtpError(err: unknown): string {
  if (err instanceof MailSendError) return err.message;
  const { code, originalCode, command, response, message } = smtpFields(err);
  let label = code ?? 'ERROR';
  if (originalCode && originalCode !== code) label += ` (${originalCode})`;
  if (command && command !== 'API' && command !== 'CONN') label += ` ${command}`;
  const detail = response ?? message ?? 'unknown error';
  return safeText(`${label}: ${detail}`);
}

/**
 * How much of a relay's reply the scrubber reads: the result is at most 200 characters, and a
 * relay (or anyone it quotes) decides how long its reply is.
 */
export const SMTP_TEXT_READ_MAX = 1000;

/**
 * A run of characters that could be part of an address, with its brackets. One quantified class
 * and no alternatives: each run is scanned once, whatever its length (a second class after an
 * `@` made a long run without one cost its length squared).
 */
export const SMTP_ADDRESS_TOKEN = /<?[^\s<>()[\],;"']+>?/g;
const SEPARATOR = /[\s<>()[\],;"']/;

const SPACE_OR_CONTROL = new RegExp(`[\\s${CONTROL_CHARACTERS}]+`, 'g');

/**
 * One line, no addresses, bounded length, under the text rule (a relay's reply is anyone's text:
 * no direction-changing or invisible characters). Addresses go first, while hidden characters
 * cannot yet split one in two.
 */
function safeText(text: string): string {
  const scrubbed = boundedPrefix(text).replace(SMTP_ADDRESS_TOKEN, (token) => (token.includes('@') || /%40/i.test(token) ? '<address>' : token));
  const line = replaceUnsafeText(scrubbed, ' ')
    .replace(SPACE_OR_CONTROL, ' ')
    .trim();
  if (line.length <= DESCRIPTION_MAX) return line;
  // Never half a surrogate pair at the cut.
  const end = /[\ud800-\udbff]/.test(line[DESCRIPTION_MAX - 2]!) ? DESCRIPTION_MAX - 2 : DESCRIPTION_MAX - 1;
  return `${line.slice(0, end)}…`;
}

/**
 * The first SMTP_TEXT_READ_MAX characters; when the text reaches that length its last token may
 * be cut in two (half an address), so it is dropped. Decided on the prefix alone.
 */
function boundedPrefix(text: string): string {
  if (text.length < SMTP_TEXT_READ_MAX) return text;
  const prefix = text.slice(0, SMTP_TEXT_READ_MAX);
  let end = prefix.length;
  while (end > 0 && !SEPARATOR.test(prefix[end - 1]!)) end--;
  return `${prefix.slice(0, end)}…`;
}

type SmtpFields = {
  code: string | undefined;
  originalCode: string | undefined;
  responseCode: number | undefined;
  command: string | undefined;
  response: string | undefined;
  message: string | undefined;
};

/** Reads the properties nodemailer puts on its errors, from anything that was thrown. */
function smtpFields(err: unknown): SmtpFields {
  const record: Record<string, unknown> = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const responseCode =
    typeof record.responseCode === 'number' && Number.isInteger(record.responseCode) ? record.responseCode : undefined;
  return {
    code: text(record.code),
    originalCode: text(record.originalCode),
    responseCode,
    command: text(record.command),
    response: text(record.response),
    message: err instanceof Error ? text(err.message) : text(err),
  };
}
