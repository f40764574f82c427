import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog, type RequestOutcome } from '../../../src/platform/request-log';

/* SPEC §3: X-Request-Id on every response; one outcome per request with the route pattern, never the URL. */
const outcomes: RequestOutcome[] = [];
let url: string;
let close: () => void;

beforeAll(async () => {
  const app = express();
  app.use(requestLog((o) => outcomes.push(o)));
  const router = express.Router();
  router.get('/api/v1/episodes/:episodeId', (_req, res) => {
    res.json({});
  });
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const lastOutcome = async (requestId: string) => {
  // The outcome is reported when the answer finishes, just after the client has it.
  for (let i = 0; i < 200 && !outcomes.some((o) => o.requestId === requestId); i++) await new Promise((r) => setImmediate(r));
  return outcomes.filter((o) => o.requestId === requestId);
};

describe('requestLog', () => {
  it('keeps a sane caller request id and reports the route pattern without ids or query', async () => {
    const res = await fetch(`${url}/api/v1/episodes/ep_0123?name=Zebedee`, { headers: { 'x-request-id': '4bf92f3577b34da6a3ce929d0e0e4736' } });
    expect(res.headers.get('x-request-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const [outcome, ...more] = await lastOutcome('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(more).toEqual([]);
    expect(outcome).toMatchObject({ method: 'GET', route: '/api/v1/episodes/:episodeId', status: 200 });
    expect(JSON.stringify(outcome)).not.toMatch(/ep_0123|Zebedee/);
  });

  it.each([['x'.repeat(129)], ['has space'], ['<script>'], ['50%']])('replaces an insane request id (%s) with a new one', async (presented) => {
    const res = await fetch(`${url}/nowhere/Zebedee`, { headers: { 'x-request-id': presented } });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [outcome] = await lastOutcome(id);
    expect(outcome).toMatchObject({ route: '(unmatched)', status: 404 });
  });

  it('gives a request without one a new id', async () => {
    const res = await fetch(`${url}/api/v1/episodes/ep_1`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
