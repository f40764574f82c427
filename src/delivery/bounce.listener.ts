import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { moduleLogger } from '../platform/logger';
import { listenSmtp } from '../platform/smtp-listen';
import { bounceTargetOf, type BounceTarget } from './bounce-address';
import { dsnVerdict, readDsn, type ContentType, type RecipientReport } from './dsn';

const log = moduleLogger('bounce-listener');

export type BounceListenerOptions = {
  port: number;
  host: string;
  /** BOUNCE_DOMAIN: the only domain whose `bounces+<deliveryId>[.<attempt>]` addresses are accepted. */
  domain: string;
  /** Larger messages are refused (552). A DSN with the returned headers is a few kilobytes. */
  maxBytes: number;
  /** Whether the delivery exists: mail for one that does not is refused at RCPT TO. */
  knows(deliveryId: string): Promise<boolean>;
  /** Applies a DSN to the delivery (and attempt) its address names; a throw answers 451 so the relay tries again. */
  onReport(target: BounceTarget, report: RecipientReport): Promise<unknown>;
};

export type BounceListener = { port: number; close(): Promise<void> };

/** An SMTP reply for smtp-server: the code and the text it sends. */
const reply = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

/** What to answer at the end of DATA: undefined for 250, else the refusal (a throw answers 451). */
async function answerReport(options: BounceListenerOptions, target: BounceTarget | undefined, chunks: Buffer[], tooBig: boolean): Promise<Error | undefined> {
  if (!target) return reply(503, '5.5.1 no valid recipient');
  if (tooBig) return reply(552, '5.3.4 message too big for a delivery status notification');
  let recipients: RecipientReport[] | undefined;
  try {
    const mail = await simpleParser(Buffer.concat(chunks), {
      keepDeliveryStatus: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
    });
    recipients = readDsn(mail.headers.get('content-type') as ContentType | undefined, mail.attachments);
  } catch {
    recipients = undefined;
  }
  if (!recipients) {
    log.info({ deliveryId: target.deliveryId }, 'message refused: not a delivery status notification');
    return reply(554, '5.6.0 not a delivery status notification (RFC 3464)');
  }
  try {
    await options.onReport(target, dsnVerdict(recipients));
  } catch (err) {
    log.warn({ deliveryId: target.deliveryId, error: (err as Error).name }, 'delivery report could not be recorded');
    return reply(451, '4.3.0 try again later');
  }
  return undefined;
}

/**
 * The DSN listener (SPEC §6, Bounces): an SMTP server that takes delivery status
 * notifications for our bounce addresses and nothing else. Refused: a recipient that is not
 * `bounces+<an existing delivery id>[.<attempt>]@<BOUNCE_DOMAIN>` (550 at RCPT TO), a second recipient
 * (452: one delivery per message), a message over the size limit (552) and a message that is
 * not an RFC 3464 DSN (554 at the end of DATA). Only the address is trusted; what the DSN says
 * about other messages or recipients is not read.
 */
export async function startBounceListener(options: BounceListenerOptions): Promise<BounceListener> {
  const targetOf = (session: SMTPServerSession) => {
    const rcpt = session.envelope.rcptTo[0];
    return rcpt ? bounceTargetOf(rcpt.address, options.domain) : undefined;
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= options.maxBytes) chunks.push(chunk);
    });
    stream.on('error', () => callback(reply(451, '4.3.0 try again later')));
    stream.on('end', () => {
      const tooBig = stream.sizeExceeded || size > options.maxBytes;
      answerReport(options, targetOf(session), chunks, tooBig).then(
        (err) => (err ? callback(err) : callback(null, '2.0.0 delivery status notification received')),
        () => callback(reply(451, '4.3.0 try again later')),
      );
    });
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    // The relay hands DSNs over inside the council's network; there is nothing to sign in to.
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    banner: 'Endeavor Dispatch delivery status notifications',
    size: options.maxBytes,
    maxClients: 50,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    logger: false,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length > 0) return callback(reply(452, '4.5.3 one recipient per message'));
      const target = bounceTargetOf(address.address, options.domain);
      if (!target) return callback(reply(550, '5.1.1 no such mailbox'));
      options.knows(target.deliveryId).then(
        (known) => callback(known ? null : reply(550, '5.1.1 no such mailbox')),
        () => callback(reply(451, '4.3.0 try again later')),
      );
    },
    onData,
  });
  server.on('error', (err: NodeJS.ErrnoException) => log.warn({ code: err.code }, 'bounce listener connection error'));

  const port = await listenSmtp(server, options.port, options.host);
  log.info({ port }, 'bounce listener started');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
