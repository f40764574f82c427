import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMailTransport, type MailTransport, type OutgoingMail } from '../../../src/delivery/mail.transport';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

const FROM = 'Operation Endeavor <endeavor@dispatch.test>';
const VERP = 'bounces+dl_0123456789abcdef01234567@bounces.dispatch.test';

const message = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: 'dsl@school.test',
  subject: '[Operation Endeavor] HIGH risk: missing child alert, ref NP-2024-0001',
  text: 'Plain text body',
  html: '<p>HTML body</p>',
  headers: { 'Auto-Submitted': 'auto-generated' },
  messageId: '<dl_0123456789abcdef01234567@dispatch.test>',
  ...overrides,
});

let smtp: TestSmtp;
let transport: MailTransport;

beforeAll(async () => {
  smtp = await startTestSmtp();
  transport = createMailTransport({ url: `${smtp.url}?requireTLS=false`, from: FROM, pool: false });
});
beforeEach(() => smtp.clear());
afterAll(async () => {
  await transport.close();
  await smtp.close();
});

describe('the envelope sender (SPEC §6, Bounces)', () => {
  it('is the given VERP address, while the From header stays MAIL_FROM', async () => {
    await transport.send(message({ envelopeFrom: VERP }));
    const [mail] = await smtp.waitFor((m) => m.length === 1);
    expect(mail!.from).toBe(VERP);
    expect(mail!.to).toEqual(['dsl@school.test']);
    expect(mail!.headers.get('from')).toBe(FROM);
    expect(mail!.raw).not.toContain('bounces+');
  });

  it('is the address of MAIL_FROM when none is given', async () => {
    await transport.send(message());
    const [mail] = await smtp.waitFor((m) => m.length === 1);
    expect(mail!.from).toBe('endeavor@dispatch.test');
  });
});
