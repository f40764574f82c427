import { describeSmtpError } from './mail.transport';

/**
 * Reading delivery status notifications (RFC 3464), as pure functions. A DSN is a
 * `multipart/report; report-type=delivery-status` message whose `message/delivery-status`
 * part holds one block of per-message fields, then one block per recipient with its
 * `Action`, `Status` and `Diagnostic-Code`. We read only those recipient fields: which
 * delivery a DSN is about comes from the address it was sent to, never from its content.
 */

export const DSN_ACTIONS = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const;
export type DsnAction = (typeof DSN_ACTIONS)[number];

/** What one recipient block says. */
export type RecipientReport = { action: DsnAction; status: string | undefined; diagnosticCode: string | undefined };

/** The content type of a message as a MIME parser reads it: `value` lower-case, params by lower-case name. */
export type ContentType = { value: string; params: Record<string, string> };

/** A MIME part other than the text the MTA wrote for people. */
export type ReportPart = { contentType: string; content: Buffer };

/** The per-recipient fields we read, by lower-case field name. */
const FIELDS = { action: 'action', status: 'status', diagnosticCode: 'diagnostic-code' } as const;

/** Status codes of RFC 3463: class.subject.detail. */
const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Is this the content type of a DSN (RFC 3462, RFC 3464)? */
export function isDeliveryStatusReport(contentType: ContentType | undefined): boolean {
  return contentType?.value.toLowerCase() === 'multipart/report' && contentType.params['report-type']?.toLowerCase() === 'delivery-status';
}

/**
 * The recipient blocks of a DSN's parts, or undefined when the message is not a DSN: not a
 * delivery-status report, no `message/delivery-status` part, or no recipient block in it
 * with an action RFC 3464 knows.
 */
export function readDsn(contentType: ContentType | undefined, parts: readonly ReportPart[]): RecipientReport[] | undefined {
  if (!isDeliveryStatusReport(contentType)) return undefined;
  const statusPart = parts.find((p) => ['message/delivery-status', 'message/global-delivery-status'].includes(p.contentType.toLowerCase()));
  return statusPart ? readDeliveryStatus(statusPart.content.toString('utf8')) : undefined;
}

/**
 * Parses the body of a `message/delivery-status` part (RFC 3464 §2.1): blocks of header-style
 * fields separated by blank lines, continuation lines folded in. The first block is about the
 * message; each later block with an `Action` is about one recipient.
 */
export function readDeliveryStatus(text: string): RecipientReport[] | undefined {
  const blocks: Map<string, string>[] = [];
  let block = new Map<string, string>();
  let last: string | undefined;
  const close = () => {
    if (block.size > 0) blocks.push(block);
    block = new Map();
    last = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') close();
    else if (/^[ \t]/.test(line) && last !== undefined) block.set(last, `${block.get(last)} ${line.trim()}`);
    else {
      const colon = line.indexOf(':');
      if (colon < 1) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      // A field repeated within a block keeps its first value.
      if (block.has(last)) last = undefined;
      else block.set(last, line.slice(colon + 1).trim());
    }
  }
  close();
  const recipients = blocks.slice(1).flatMap((fields): RecipientReport[] => {
    const action = withoutComments(fields.get(FIELDS.action) ?? '').toLowerCase();
    if (!(DSN_ACTIONS as readonly string[]).includes(action)) return [];
    const status = withoutComments(fields.get(FIELDS.status) ?? '');
    return [{ action: action as DsnAction, status: STATUS.test(status) ? status : undefined, diagnosticCode: fields.get(FIELDS.diagnosticCode) || undefined }];
  });
  return recipients.length > 0 ? recipients : undefined;
}

/**
 * What a DSN says about the one delivery its address names: failed when any recipient block
 * says failed (the address names one recipient; a report of several is read at its worst),
 * else the first block's action.
 */
export function dsnVerdict(recipients: readonly RecipientReport[]): RecipientReport {
  return recipients.find((r) => r.action === 'failed') ?? recipients[0]!;
}

/**
 * The diagnostic for the delivery record: `BOUNCED <status>: <the remote server's reply>`, one
 * line, bounded, every address replaced by `<address>`, the same way as an SMTP error
 * (describeSmtpError); the diagnostic type (`smtp;`) dropped.
 */
export function describeBounce(report: RecipientReport): string {
  const reply = report.diagnosticCode?.replace(/^\s*[A-Za-z0-9-]+\s*;\s*/, '');
  return describeSmtpError({ code: 'BOUNCED', command: report.status, response: reply ?? 'no diagnostic given' });
}

/** RFC 822 comments in a field value: `failed (permanent)` reads as `failed`. */
function withoutComments(value: string): string {
  return value.replace(/\([^)]*\)/g, '').trim();
}
