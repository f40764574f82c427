/**
 * Delivery status notifications as a real MTA writes them (this one after Postfix's bounce
 * daemon): multipart/report with a text/plain part for people, the message/delivery-status
 * part, and the returned message's headers as text/rfc822-headers.
 */

export type DsnOptions = {
  /** Envelope recipient of the DSN: the bounce address of the delivery. */
  to: string;
  /** The refused recipient, as the relay knew it. */
  finalRecipient?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
  /** The headers of the message being reported on. */
  returnedHeaders?: string;
  /** Extra per-message fields, e.g. an Original-Envelope-Id that must not be trusted. */
  perMessageFields?: string[];
  reportingMta?: string;
  boundary?: string;
};

export function buildDsn(options: DsnOptions): string {
  const boundary = options.boundary ?? '4F1B52C1A4.1732960000/relay.council.test';
  const recipient = options.finalRecipient ?? 'dsl@school-990001.endeavor.test';
  const action = options.action ?? 'failed';
  const status = options.status ?? '5.1.1';
  const diagnostic =
    options.diagnosticCode ?? `smtp; 550 5.1.1 <${recipient}>: Recipient address\r\n    rejected: User unknown in virtual mailbox table`;
  return [
    'Return-Path: <>',
    'Received: by relay.council.test (Postfix)',
    '\tid 4F1B52C1A4; Mon, 30 Nov 2026 10:00:00 +0000 (GMT)',
    'Date: Mon, 30 Nov 2026 10:00:00 +0000 (GMT)',
    'From: MAILER-DAEMON@relay.council.test (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${options.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    `\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 8bit',
    'Message-Id: <20261130100000.4F1B52C1A4@relay.council.test>',
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host relay.council.test.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients. It\'s attached below.',
    '',
    `<${recipient}>: host mx.school.test[192.0.2.10] said: 550 5.1.1`,
    '    User unknown (in reply to RCPT TO command)',
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${options.reportingMta ?? 'relay.council.test'}`,
    'X-Postfix-Queue-ID: 4F1B52C1A4',
    `X-Postfix-Sender: rfc822; ${options.to}`,
    'Arrival-Date: Mon, 30 Nov 2026 09:59:58 +0000 (GMT)',
    ...(options.perMessageFields ?? []),
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    'Remote-MTA: dns; mx.school.test',
    `Diagnostic-Code: ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    options.returnedHeaders ?? 'Subject: [Operation Endeavor] HIGH risk: missing child alert, ref NP-TEST-1\r\nMessage-ID: <dl_000000000000000000000000@localhost>',
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** A plain message, not a DSN, to the same address. */
export function buildPlainMessage(to: string): string {
  return [
    'From: Someone <someone@elsewhere.test>',
    `To: ${to}`,
    'Subject: Out of office',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'I am away until Monday.',
    '',
  ].join('\r\n');
}
