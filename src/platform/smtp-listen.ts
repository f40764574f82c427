import type { AddressInfo } from 'node:net';
import type { SMTPServer } from 'smtp-server';

/** Starts an smtp-server listening; resolves to its port, rejects when it cannot bind. */
export async function listenSmtp(server: SMTPServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return (server.server.address() as AddressInfo).port;
}
