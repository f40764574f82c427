import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifySmtpError,
  describeSmtpError,
  MailSendError,
  parseSmtpUrl,
  SMTP_ADDRESS_TOKEN,
  SMTP_TEXT_READ_MAX,
} from '../../../src/delivery/mail.transport';

/** Shaped like the errors nodemailer hands back (see its `_formatError`). */
function nodemailerError(fields: { code?: string; responseCode?: number; response?: string; command?: string; originalCode?: string; message?: string }) {
  const { message = 'Message failed', ...rest } = fields;
  return Object.assign(new Error(fields.response ? `${message}: ${fields.response}` : message), rest);
}

describe('classifySmtpError', () => {
  it.each([
    ['451 after DATA', { code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 try again later', command: 'DATA' }],
    ['421 service closing', { code: 'EMESSAGE', responseCode: 421, response: '421 4.4.2 shutting down', command: 'DATA' }],
    ['452 at RCPT TO', { code: 'EENVELOPE', responseCode: 452, response: '452 4.2.2 mailbox full', command: 'RCPT TO' }],
    ['a refused connection', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:25' }],
    ['a dropped connection', { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }],
    ['a greeting timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }],
    ['a DNS failure', { code: 'EDNS', originalCode: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND relay.test' }],
    ['a raw ECONNRESET', { code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['a failed login, even with a 5xx', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 authentication failed' }],
    ['a 554 greeting', { code: 'ECONNECTION', responseCode: 554, response: '554 no SMTP service here' }],
    ['503 bad sequence of commands', { code: 'EENVELOPE', responseCode: 503, response: '503 5.5.1 need RCPT command' }],
    ['an error with no code', { message: 'something odd' }],
  ])('treats %s as temporary', (_name, fields) => {
    expect(classifySmtpError(nodemailerError(fields))).toBe('temporary');
  });

  it.each([
    ['550 after DATA', { code: 'EMESSAGE', responseCode: 550, response: '550 5.1.1 mailbox unavailable', command: 'DATA' }],
    ['550 for every recipient', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <dsl@school.test>: unknown', command: 'RCPT TO' }],
    ['553 at MAIL FROM', { code: 'EENVELOPE', responseCode: 553, response: '553 5.7.1 sender rejected', command: 'MAIL FROM' }],
    ['554 transaction failed', { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 rejected as spam', command: 'DATA' }],
    ['an envelope nodemailer refuses itself', { code: 'EENVELOPE', message: 'No recipients defined', command: 'API' }],
    ['a 5xx reply without a nodemailer code', { responseCode: 550 }],
  ])('treats %s as permanent', (_name, fields) => {
    expect(classifySmtpError(nodemailerError(fields))).toBe('permanent');
  });

  it('treats anything that is not an error object as temporary', () => {
    expect(classifySmtpError(undefined)).toBe('temporary');
    expect(classifySmtpError('boom')).toBe('temporary');
    expect(classifySmtpError({ responseCode: '550' })).toBe('temporary');
  });

  it('gives a MailSendError the class of the error it wraps', () => {
    const permanent = new MailSendError(nodemailerError({ code: 'EMESSAGE', responseCode: 550, response: '550 no' }));
    const temporary = new MailSendError(nodemailerError({ code: 'EMESSAGE', responseCode: 451, response: '451 later' }));
    expect([permanent.kind, classifySmtpError(permanent)]).toEqual(['permanent', 'permanent']);
    expect([temporary.kind, classifySmtpError(temporary)]).toEqual(['temporary', 'temporary']);
    expect(permanent.responseCode).toBe(550);
  });
});

describe('describeSmtpError', () => {
  it('names the code, the command and the reply line', () => {
    const err = nodemailerError({ code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 try again later', command: 'DATA' });
    expect(describeSmtpError(err)).toBe('EMESSAGE DATA: 451 4.3.0 try again later');
  });

  it('names the system code under a nodemailer one', () => {
    const err = nodemailerError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:2525', command: 'CONN' });
    expect(describeSmtpError(err)).toBe('ESOCKET (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:2525');
  });

  it('replaces every email address, bracketed or not, with <address>', () => {
    const err = nodemailerError({
      code: 'EENVELOPE',
      responseCode: 550,
      response: '550 5.1.1 <jo.bloggs+dsl@school.test>: Recipient address rejected; also jo.bloggs%40school.test and Jo@GP.test',
      command: 'RCPT TO',
    });
    const text = describeSmtpError(err);
    expect(text).toBe(
      'EENVELOPE RCPT TO: 550 5.1.1 <address>: Recipient address rejected; also <address> and <address>',
    );
    expect(text).not.toMatch(/school\.test|gp\.test|bloggs/i);
  });

  it('keeps to one line of at most 200 characters', () => {
    const err = nodemailerError({ code: 'EMESSAGE', responseCode: 554, response: `554-first\r\n554 ${'x'.repeat(500)}` });
    const text = describeSmtpError(err);
    expect(text).not.toMatch(/[\r\n]/);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text.startsWith('EMESSAGE: 554-first 554 xxx')).toBe(true);
  });

  it('describes things that are not errors without throwing', () => {
    expect(describeSmtpError(undefined)).toBe('ERROR: unknown error');
    expect(describeSmtpError('failed for a@b.test')).toBe('ERROR: failed for <address>');
  });

  it('is what a MailSendError says, and the wrapped error text does not survive', () => {
    const err = new MailSendError(nodemailerError({ code: 'EMESSAGE', responseCode: 550, response: '550 <dsl@school.test> unknown' }));
    expect(err.message).toBe('EMESSAGE: 550 <address> unknown');
    expect(describeSmtpError(err)).toBe(err.message);
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain('school.test');
  });
});

describe('parseSmtpUrl', () => {
  it('requires STARTTLS on the submission port 587, the default', () => {
    expect(parseSmtpUrl('smtp://user:p%40ss@relay.test:587')).toEqual({
      host: 'relay.test',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'user', pass: 'p@ss' },
    });
    expect(parseSmtpUrl('smtp://relay.test')).toMatchObject({ port: 587, requireTLS: true });
  });

  it('lets the query require or waive STARTTLS', () => {
    expect(parseSmtpUrl('smtp://relay.test:25?requireTLS=true')).toMatchObject({ port: 25, requireTLS: true });
    expect(parseSmtpUrl('smtp://relay.test:587?requireTLS=false')).toMatchObject({ requireTLS: false });
    expect(parseSmtpUrl('smtp://127.0.0.1:2525')).toMatchObject({ requireTLS: false });
  });

  it('uses TLS from the start for smtps', () => {
    expect(parseSmtpUrl('smtps://relay.test')).toMatchObject({ port: 465, secure: true, requireTLS: false });
  });

  it('refuses unknown protocols and options without echoing the URL', () => {
    expect(() => parseSmtpUrl('http://relay.test')).toThrow(/smtp:\/\/ or smtps:\/\//);
    expect(() => parseSmtpUrl('smtp://relay.test?tls.rejectUnauthorized=false')).toThrow(/unsupported query parameter/);
    expect(() => parseSmtpUrl('smtp://relay.test?requireTLS=yes')).toThrow(/true or false/);
    expect(() => parseSmtpUrl('not a url with secret-password')).toThrow(/^SMTP URL is not a valid URL$/);
  });
});

describe('the scrubber on long relay replies', () => {
  const reply = (body: string) => nodemailerError({ code: 'EMESSAGE', responseCode: 554, response: body });

  it('reads only a bounded prefix: what comes after it cannot change the result', () => {
    // Beyond the prefix, nothing is read; a token cut at its edge is dropped, not half-shown.
    const head = `554 ${'a'.repeat(SMTP_TEXT_READ_MAX)}`;
    expect(describeSmtpError(reply(`${head}@school.test`))).toBe(describeSmtpError(reply(head)));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (start, tail1, tail2) => {
        const prefix = (start + ' x'.repeat(SMTP_TEXT_READ_MAX)).slice(0, SMTP_TEXT_READ_MAX);
        expect(describeSmtpError(reply(prefix + tail1))).toBe(describeSmtpError(reply(prefix + tail2)));
      }),
    );
  });

  it('shows no part of an address that the prefix cuts in two', () => {
    const text = describeSmtpError(reply(`554${' '.repeat(SMTP_TEXT_READ_MAX - 10)}jo.bloggs@school.test rejected`));
    expect(text).not.toMatch(/jo|bloggs|school/);
  });

  it('matches addresses with one quantified character class, so a long token is scanned once', () => {
    // Two quantified classes that both accept the same characters (`[^…]+@[^…]+`) make a
    // token without `@` cost its length squared; one class and a check on the token do not.
    const quantifiedClasses = SMTP_ADDRESS_TOKEN.source.match(/\](?:[+*?]|\{\d)/g) ?? [];
    expect(quantifiedClasses).toHaveLength(1);
  });

  it('still replaces every address anywhere in the prefix', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('dsl@school.test', '<a.b+c@gp.test>', 'x%40y.test', 'word', ';', ' '), { maxLength: 40 }), (parts) => {
        const text = describeSmtpError(reply(parts.join(' ')));
        expect(text).not.toMatch(/@|%40|school|gp\.test|y\.test/);
      }),
    );
  });
});
