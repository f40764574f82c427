import { Agent, request } from 'node:http';
import { reportedEvent } from '../test/helpers/factories';
import { clock } from './threads';

/*
 * The load generator, a process of its own (bench/load.ts forks it) so that its work shares
 * neither an event loop nor a process with the service or the bench: the figures are the
 * service's. It posts distinct valid `missing.reported` events over keep-alive connections.
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

export type ToLoader = { type: 'run'; id: number; plan: LoadPlan };
export type FromLoader = { type: 'ready' } | { type: 'result'; id: number; result: LoadResult } | { type: 'failed'; id: number; message: string };

const REQUEST_TIMEOUT_MS = 15_000;

function post(target: URL, agent: Agent, feedKey: string, body: string): Promise<{ status: number; text: string }> {
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
          authorization: `Bearer ${feedKey}`,
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

type Poster = () => Promise<PostSample>;

function poster(plan: LoadPlan, agent: Agent): Poster {
  const target = new URL(plan.url);
  return () => postOne(target, agent, plan.feedKey);
}

async function postOne(target: URL, agent: Agent, feedKey: string): Promise<PostSample> {
  const event = reportedEvent();
  const body = JSON.stringify(event);
  const start = clock();
  const { status, text } = await post(target, agent, feedKey, body);
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

async function closedLoop(postOne: Poster, count: number, concurrency: number): Promise<PostSample[]> {
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

async function openLoop(postOne: Poster, count: number, ratePerSecond: number, maxInFlight: number): Promise<PostSample[]> {
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

async function run(plan: LoadPlan): Promise<LoadResult> {
  const sockets = plan.mode === 'closed' ? plan.concurrency : plan.maxInFlight;
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const postOne = poster(plan, agent);
  try {
    const startedAt = clock();
    const samples =
      plan.mode === 'closed' ? await closedLoop(postOne, plan.count, plan.concurrency) : await openLoop(postOne, plan.count, plan.ratePerSecond, plan.maxInFlight);
    return { samples, startedAt, endedAt: clock() };
  } finally {
    agent.destroy();
  }
}

const send = (message: FromLoader) => process.send!(message);
process.on('message', (message: ToLoader) => {
  if (message.type !== 'run') return;
  run(message.plan).then(
    (result) => send({ type: 'result', id: message.id, result }),
    (err: unknown) => send({ type: 'failed', id: message.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
// The bench goes away: so does its load generator.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
