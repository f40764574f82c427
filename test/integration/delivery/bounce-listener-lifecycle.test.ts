import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../../helpers/app';

const BOUNCES = { NODE_ENV: 'development', BOUNCE_DOMAIN: 'bounces.endeavor.test', BOUNCE_SMTP_HOST: '127.0.0.1' };

/** Resolves with the server's greeting, or rejects when nothing listens. */
const greeting = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.once('data', (line: string) => {
      socket.end();
      resolve(line);
    });
    socket.once('error', reject);
  });

describe('the DSN listener starts and stops with the workers', () => {
  it('listens on BOUNCE_SMTP_PORT while the workers run, and not after they close', async () => {
    const app = await startTestApp({ workers: true, env: { ...BOUNCES, BOUNCE_SMTP_PORT: '0' } });
    const port = app.workers!.bouncePort!;
    try {
      expect(await greeting(port)).toMatch(/^220 /);
    } finally {
      await app.close();
    }
    await expect(greeting(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('is not started without BOUNCE_SMTP_PORT', async () => {
    const app = await startTestApp({ workers: true, env: BOUNCES });
    try {
      expect(app.workers!.bouncePort).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('stops start-up when the port is taken', async () => {
    const first = await startTestApp({ workers: true, env: { ...BOUNCES, BOUNCE_SMTP_PORT: '0' } });
    try {
      await expect(startTestApp({ workers: true, env: { ...BOUNCES, BOUNCE_SMTP_PORT: String(first.workers!.bouncePort) } })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.close();
    }
  });
});
