import { connect } from 'node:net';

/**
 * A bare SMTP client for tests, speaking as a relay's bounce daemon does (MAIL FROM:<>), that
 * reports the reply code of every step instead of hiding them behind a library.
 */
export type SmtpExchange = {
  mailFrom: number;
  /** One reply code per RCPT TO. */
  rcptTo: number[];
  /** The reply to the end of DATA; undefined when no recipient was accepted. */
  data: number | undefined;
  /** The reply text to the end of DATA. */
  dataText: string | undefined;
};

export async function sendRawMail(port: number, mail: { from?: string; to: string[]; raw: string }): Promise<SmtpExchange> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiting: ((reply: { code: number; text: string }) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line "NNN text"; "NNN-text" lines continue it.
    for (let match = /^(\d{3}) ([^\r\n]*)\r?\n/m.exec(buffer); match; match = /^(\d{3}) ([^\r\n]*)\r?\n/m.exec(buffer)) {
      buffer = buffer.slice(match.index + match[0].length);
      waiting.shift()?.({ code: Number(match[1]), text: match[2]! });
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  const next = () =>
    new Promise<{ code: number; text: string }>((resolve, reject) => {
      waiting.push(resolve);
      socket.once('close', () => reject(new Error('connection closed')));
    });
  const command = (line: string) => {
    const reply = next();
    socket.write(`${line}\r\n`);
    return reply;
  };

  await next(); // greeting
  await command('EHLO relay.council.test');
  const mailFrom = (await command(`MAIL FROM:<${mail.from ?? ''}>`)).code;
  const rcptTo: number[] = [];
  for (const to of mail.to) rcptTo.push((await command(`RCPT TO:<${to}>`)).code);
  let data: number | undefined;
  let dataText: string | undefined;
  if (rcptTo.some((code) => code === 250)) {
    const go = await command('DATA');
    if (go.code === 354) {
      const body = mail.raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
      const reply = await command(`${body.endsWith('\r\n') ? body : `${body}\r\n`}.`);
      data = reply.code;
      dataText = reply.text;
    }
  }
  await command('QUIT').catch(() => undefined);
  socket.end();
  await closed;
  return { mailFrom, rcptTo, data, dataText };
}
