import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { reportedEvent } from '../test/helpers/factories';
import { clock } from './threads';

/*
 * The load generator, on its own thread so that its own work never delays the app's event
 * loop. It posts distinct valid `missing.reported` events over keep-alive connections.
 * `closed`: `concurrency` requests always in flight until `count` are done (throughput).
 * `open`: one request every 1/rate seconds whatever the answers (latency at a steady load),
 * with at most `maxInFlight` outstanding so the loop stays bounded.
 */

export type LoadPlan = { url: string; feedKey: string; count: number } & (
  | { mode: 'closed'; concurrency: number }
  | { mode: 'open'; ratePerSecond: number; maxInFlight: number }
);

export type PostSample = {
  /** Shared clock, ms, just before the request was written. */
  start: number;
  ms: number;
  /** HTTP status; 0 when the request failed without one. */
  status: number;
  eventId: string;
  episodeId: string | undefined;
};

export type LoadResult = { samples: PostSample[]; startedAt: number; endedAt: number };

const plan = workerData as LoadPlan;
const target = new URL(plan.url);
const sockets = plan.mode === 'closed' ? plan.concurrency : plan.maxInFlight;
const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
const REQUEST_TIMEOUT_MS = 15_000;

function post(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: '/api/v1/events',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${plan.feedKey}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, text: '' }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

async function postOne(): Promise<PostSample> {
  const event = reportedEvent();
  const body = JSON.stringify(event);
  const start = clock();
  const { status, text } = await post(body);
  const ms = clock() - start;
  let episodeId: string | undefined;
  if (status === 202) {
    try {
      episodeId = (JSON.parse(text) as { episodeId?: string }).episodeId;
    } catch {
      episodeId = undefined;
    }
  }
  return { start, ms, status, eventId: event.eventId, episodeId };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function closedLoop(count: number, concurrency: number): Promise<PostSample[]> {
  const samples: PostSample[] = [];
  let next = 0;
  const runner = async () => {
    while (next < count) {
      next += 1;
      samples.push(await postOne());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, runner));
  return samples;
}

async function openLoop(count: number, ratePerSecond: number, maxInFlight: number): Promise<PostSample[]> {
  const samples: PostSample[] = [];
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / ratePerSecond;
  const t0 = clock();
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * interval - clock();
    if (wait > 0) await sleep(wait);
    // Back-pressure only past maxInFlight; each wait ends when a request (time-limited) does.
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const one: Promise<void> = postOne().then((sample) => {
      samples.push(sample);
      inFlight.delete(one);
    });
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return samples;
}

const startedAt = clock();
const samples =
  plan.mode === 'closed' ? await closedLoop(plan.count, plan.concurrency) : await openLoop(plan.count, plan.ratePerSecond, plan.maxInFlight);
const endedAt = clock();
agent.destroy();
parentPort!.postMessage({ samples, startedAt, endedAt } satisfies LoadResult);
