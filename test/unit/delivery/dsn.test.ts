import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { describeBounce, dsnVerdict, isDeliveryStatusReport, readDeliveryStatus, readDsn, type ContentType } from '../../../src/delivery/dsn';
import { hasUnsafeText } from '../../../src/platform/text';
import { buildDsn, buildPlainMessage } from '../../helpers/dsn';

const TO = 'bounces+dl_0123456789abcdef01234567@bounces.endeavor.test';

/** Parses a raw message the way the bounce listener does. */
async function parse(raw: string) {
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  return readDsn(mail.headers.get('content-type') as ContentType | undefined, mail.attachments);
}

describe('readDsn: a whole message', () => {
  it('reads the recipient block of a Postfix-style DSN', async () => {
    expect(await parse(buildDsn({ to: TO }))).toEqual([
      {
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 <dsl@school-990001.endeavor.test>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    ]);
  });

  it.each(['delayed', 'delivered', 'relayed', 'expanded'])('reads a %s action', async (action) => {
    expect((await parse(buildDsn({ to: TO, action, status: action === 'delayed' ? '4.4.1' : '2.0.0' })))?.[0]?.action).toBe(action);
  });

  it('is undefined for a message that is not a multipart/report', async () => {
    expect(await parse(buildPlainMessage(TO))).toBeUndefined();
  });

  it('is undefined for a multipart/report of another report type', async () => {
    expect(await parse(buildDsn({ to: TO }).replace('report-type=delivery-status', 'report-type=disposition-notification'))).toBeUndefined();
  });

  it('is undefined for a report without a delivery-status part', async () => {
    expect(await parse(buildDsn({ to: TO }).replace('Content-Type: message/delivery-status', 'Content-Type: text/plain'))).toBeUndefined();
  });

  it('is undefined when no recipient block has an action RFC 3464 knows', async () => {
    expect(await parse(buildDsn({ to: TO, action: 'exploded' }))).toBeUndefined();
  });
});

describe('readDeliveryStatus: the message/delivery-status body', () => {
  const body = (...recipientBlocks: string[]) => ['Reporting-MTA: dns; relay.council.test', '', ...recipientBlocks.flatMap((b) => [b, ''])].join('\r\n');

  it('skips the per-message block, even when it carries an Action', () => {
    expect(readDeliveryStatus('Reporting-MTA: dns; x\nAction: failed\n')).toBeUndefined();
  });

  it('folds continuation lines and ignores case in field names and actions', () => {
    expect(readDeliveryStatus(body('ACTION: Failed\nstatus: 5.2.2\nDIAGNOSTIC-CODE: smtp; 552 mailbox\n\tfull'))).toEqual([
      { action: 'failed', status: '5.2.2', diagnosticCode: 'smtp; 552 mailbox full' },
    ]);
  });

  it('reads an action with a comment, and drops a status that is not class.subject.detail', () => {
    expect(readDeliveryStatus(body('Action: failed (bad destination mailbox)\nStatus: 550'))).toEqual([
      { action: 'failed', status: undefined, diagnosticCode: undefined },
    ]);
  });

  it('takes blank lines of spaces as block separators, and LF line ends as well as CRLF', () => {
    expect(readDeliveryStatus('Reporting-MTA: dns; x\n   \nAction: delayed\nStatus: 4.4.7\n')).toEqual([
      { action: 'delayed', status: '4.4.7', diagnosticCode: undefined },
    ]);
  });

  it('keeps the first value of a field repeated in a block', () => {
    expect(readDeliveryStatus(body('Action: delayed\nAction: failed'))?.[0]?.action).toBe('delayed');
  });

  it('reads every recipient block', () => {
    expect(readDeliveryStatus(body('Action: delayed\nStatus: 4.4.1', 'Action: failed\nStatus: 5.1.1'))?.map((r) => r.action)).toEqual(['delayed', 'failed']);
  });

  it('is undefined for empty or unrelated text', () => {
    expect(readDeliveryStatus('')).toBeUndefined();
    expect(readDeliveryStatus('hello\n\nworld')).toBeUndefined();
  });
});

describe('isDeliveryStatusReport', () => {
  it('wants multipart/report with report-type delivery-status, in any case', () => {
    expect(isDeliveryStatusReport({ value: 'multipart/report', params: { 'report-type': 'Delivery-Status' } })).toBe(true);
    expect(isDeliveryStatusReport({ value: 'multipart/report', params: {} })).toBe(false);
    expect(isDeliveryStatusReport({ value: 'multipart/mixed', params: { 'report-type': 'delivery-status' } })).toBe(false);
    expect(isDeliveryStatusReport(undefined)).toBe(false);
  });
});

describe('dsnVerdict', () => {
  const delayed = { action: 'delayed', status: '4.4.1', diagnosticCode: undefined } as const;
  const failed = { action: 'failed', status: '5.1.1', diagnosticCode: undefined } as const;

  it('is failed when any recipient block failed', () => {
    expect(dsnVerdict([delayed, failed])).toBe(failed);
  });

  it('is the first block otherwise', () => {
    expect(dsnVerdict([delayed, { ...delayed, status: '4.4.7' }])).toBe(delayed);
  });
});

describe('describeBounce', () => {
  it('keeps the status and the remote reply, drops the diagnostic type, scrubs addresses', () => {
    expect(
      describeBounce({ action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <dsl@school-990001.endeavor.test>: Recipient address rejected' }),
    ).toBe('BOUNCED 5.1.1: 550 5.1.1 <address>: Recipient address rejected');
  });

  it('scrubs bare addresses too, and keeps to one bounded line', () => {
    const text = describeBounce({ action: 'failed', status: '5.2.2', diagnosticCode: `smtp; 552 dsl@school-990001.endeavor.test is over quota\r\n ${'x'.repeat(400)}` });
    expect(text).not.toContain('@');
    expect(text).not.toMatch(/[\r\n]/);
    expect(text.length).toBeLessThanOrEqual(200);
  });

  it('stores a diagnostic under the text rule: no direction-changing or invisible characters, bounded', () => {
    const text = describeBounce({ action: 'failed', status: '5.1.1', diagnosticCode: `smtp; 550 user \u202eunknown\u2066 mail\u00adbox\u3164 ${'y'.repeat(900)}` });
    expect(hasUnsafeText(text)).toBe(false);
    expect(text.startsWith('BOUNCED 5.1.1: 550 user unknown mailbox y')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(200);
    // Cut at the bound, an emoji is not split into half a surrogate pair.
    const cut = describeBounce({ action: 'failed', status: '5.1.1', diagnosticCode: `smtp; ${'a'.repeat(183)}${'\u{1f600}'.repeat(20)}` });
    expect(hasUnsafeText(cut)).toBe(false);
  });

  it('says when there was no diagnostic', () => {
    expect(describeBounce({ action: 'failed', status: undefined, diagnosticCode: undefined })).toBe('BOUNCED: no diagnostic given');
  });
});
