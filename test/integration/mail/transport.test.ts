import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  classifySmtpError,
  createMailTransport,
  describeSmtpError,
  MailSendError,
  type MailTransport,
  type OutgoingMail,
} from '../../../src/delivery/mail.transport';
import { startMailSink, type MailSink } from '../../../src/platform/mail-sink';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';

const FROM = 'Operation Endeavor <endeavor@dispatch.test>';
const TEST_TIMEOUTS = { connectionMs: 1_000, greetingMs: 1_000, socketMs: 3_000 };

const message = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: 'dsl@school.test',
  subject: '[Operation Endeavor] HIGH risk: missing child update, ref NP-2024-0001',
  text: 'Plain text body',
  html: '<p>HTML body</p>',
  headers: {
    'Auto-Submitted': 'auto-generated',
    'In-Reply-To': '<d-alert-1@dispatch.test>',
    References: '<d-alert-1@dispatch.test>',
  },
  messageId: '<d-update-1@dispatch.test>',
  ...overrides,
});

async function failureOf(promise: Promise<unknown>): Promise<MailSendError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MailSendError)) throw new Error(`expected a MailSendError, got ${String(err)}`);
  return err;
}

/** A port nobody listens on: bind one, note it, let it go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mail transport against a real SMTP server', () => {
  let smtp: TestSmtp;
  let transport: MailTransport;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    transport = createMailTransport({ url: smtp.url, from: FROM, timeouts: TEST_TIMEOUTS });
  });

  afterAll(async () => {
    await transport?.close();
    await smtp?.close();
  });

  beforeEach(() => smtp.clear());

  it('delivers text and HTML with the given Message-ID and threading headers', async () => {
    const result = await transport.send(message());

    expect(result.accepted).toBe(true);
    expect(result.response).toMatch(/^250 /);
    const [mail] = await smtp.waitFor((mails) => mails.length === 1);
    expect(mail).toMatchObject({
      messageId: '<d-update-1@dispatch.test>',
      from: 'endeavor@dispatch.test',
      to: ['dsl@school.test'],
      subject: '[Operation Endeavor] HIGH risk: missing child update, ref NP-2024-0001',
    });
    expect(mail!.text.trim()).toBe('Plain text body');
    expect(mail!.html).toContain('<p>HTML body</p>');
    expect(mail!.headers.get('message-id')).toBe('<d-update-1@dispatch.test>');
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail!.headers.get('in-reply-to')).toBe('<d-alert-1@dispatch.test>');
    expect(mail!.headers.get('references')).toBe('<d-alert-1@dispatch.test>');
    expect(mail!.headers.get('from')).toBe(FROM);
  });

  it('keeps the Message-ID when the same delivery is sent again, and adds angle brackets', async () => {
    await transport.send(message({ messageId: 'd-alert-7@dispatch.test' }));
    await transport.send(message({ messageId: 'd-alert-7@dispatch.test' }));

    const mails = await smtp.waitFor((caught) => caught.length === 2);
    expect(mails.map((mail) => mail.messageId)).toEqual(['<d-alert-7@dispatch.test>', '<d-alert-7@dispatch.test>']);
  });

  it('throws a temporary error when the server answers 451 at the end of DATA', async () => {
    smtp.respondWith(451);

    const err = await failureOf(transport.send(message()));

    expect(classifySmtpError(err)).toBe('temporary');
    expect(err).toMatchObject({ kind: 'temporary', responseCode: 451, command: 'DATA' });
    expect(describeSmtpError(err)).toContain('451 4.3.0 try again later');
    expect(smtp.attempts).toBe(1);
    expect(smtp.mails).toHaveLength(0);
  });

  it('throws a permanent error without the recipient address when the server answers 550', async () => {
    smtp.respondWith(550);

    const err = await failureOf(transport.send(message({ to: 'jo.bloggs@school.test' })));

    expect(classifySmtpError(err)).toBe('permanent');
    expect(err.responseCode).toBe(550);
    expect(describeSmtpError(err)).toContain('550 5.1.1 mailbox unavailable');
    for (const text of [describeSmtpError(err), err.message, err.response ?? '', err.stack ?? '']) {
      expect(text).not.toContain('jo.bloggs');
    }
  });

  it('classifies a 550 at RCPT TO as permanent and never reaches DATA', async () => {
    smtp.respondToRcptWith(550);

    const err = await failureOf(transport.send(message({ to: 'unknown@school.test' })));

    expect(err).toMatchObject({ kind: 'permanent', code: 'EENVELOPE', responseCode: 550 });
    expect(describeSmtpError(err)).not.toContain('unknown@school.test');
    expect(smtp.attempts).toBe(0);
  });

  it('answers per message when the reply is a function, and the pool recovers after refusals', async () => {
    smtp.respondWith((mail) => (mail.to.includes('closed@school.test') ? 550 : 250));

    const results = await Promise.allSettled([
      transport.send(message({ to: 'open@school.test', messageId: '<d-1@dispatch.test>' })),
      transport.send(message({ to: 'closed@school.test', messageId: '<d-2@dispatch.test>' })),
      transport.send(message({ to: 'gp@practice.test', messageId: '<d-3@dispatch.test>' })),
    ]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const mails = await smtp.waitFor((caught) => caught.length === 2);
    expect(mails.map((mail) => mail.to[0]).sort()).toEqual(['gp@practice.test', 'open@school.test']);
    expect(smtp.attempts).toBe(3);
  });

  it('verifies a reachable server', async () => {
    await expect(transport.verify()).resolves.toBeUndefined();
  });
});

describe('mail transport when the server cannot be reached', () => {
  it('throws a temporary error for a refused connection', async () => {
    const port = await closedPort();
    const transport = createMailTransport({ url: `smtp://127.0.0.1:${port}`, from: FROM, timeouts: TEST_TIMEOUTS });
    try {
      const err = await failureOf(transport.send(message()));
      expect(classifySmtpError(err)).toBe('temporary');
      expect(err.originalCode).toBe('ECONNREFUSED');
      expect(describeSmtpError(err)).toMatch(/ECONNREFUSED/);
      await expect(transport.verify()).rejects.toMatchObject({ kind: 'temporary' });
    } finally {
      await transport.close();
    }
  });

  it('throws a temporary error when the server never greets', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const transport = createMailTransport({
      url: `smtp://127.0.0.1:${port}`,
      from: FROM,
      pool: false,
      timeouts: { ...TEST_TIMEOUTS, greetingMs: 300 },
    });
    try {
      const err = await failureOf(transport.send(message()));
      expect(err).toMatchObject({ kind: 'temporary', code: 'ETIMEDOUT' });
    } finally {
      await transport.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('embedded mail sink', () => {
  let sink: MailSink;
  let transport: MailTransport;

  beforeAll(async () => {
    sink = await startMailSink({ keep: 2 });
    transport = createMailTransport({ url: sink.url, from: FROM, timeouts: TEST_TIMEOUTS });
  });

  afterAll(async () => {
    await transport?.close();
    await sink?.close();
  });

  it('catches what is sent and lists the newest first, keeping only the most recent', async () => {
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);

    for (const n of [1, 2, 3]) {
      await transport.send(message({ subject: `message ${n}`, messageId: `<sink-${n}@dispatch.test>` }));
    }

    const messages = sink.messages();
    expect(messages.map((caught) => caught.subject)).toEqual(['message 3', 'message 2']);
    expect(messages[0]!.from).toMatch(/Operation Endeavor"? <endeavor@dispatch\.test>$/);
    expect(messages[0]).toMatchObject({
      to: ['dsl@school.test'],
      messageId: '<sink-3@dispatch.test>',
      html: '<p>HTML body</p>',
    });
    expect(messages[0]!.text.trim()).toBe('Plain text body');
    expect(messages[0]!.id).not.toBe(messages[1]!.id);
    expect(Number.isNaN(Date.parse(messages[0]!.at))).toBe(false);
  });
});

describe('mail transport pool size (SMTP_POOL_SIZE)', () => {
  /** A plain SMTP server that answers 250 and notes each connection's session id. */
  async function countingServer(): Promise<{ url: string; sessions: Set<string>; close(): Promise<void> }> {
    const sessions = new Set<string>();
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect(session, callback) {
        sessions.add(session.id);
        callback();
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    return { url: `smtp://127.0.0.1:${port}`, sessions, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it.each([
    [1, 1],
    [3, 3],
  ])('opens at most %i connection(s) for sends made at once (%i seen)', async (maxConnections, expected) => {
    const server = await countingServer();
    const pooled = createMailTransport({ url: server.url, from: FROM, timeouts: TEST_TIMEOUTS, maxConnections });
    try {
      await Promise.all([1, 2, 3, 4].map((n) => pooled.send(message({ messageId: `<pool-${maxConnections}-${n}@dispatch.test>` }))));
      expect(server.sessions.size).toBe(expected);
    } finally {
      await pooled.close();
      await server.close();
    }
  });
});
