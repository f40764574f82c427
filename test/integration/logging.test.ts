import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sampleDirectory } from '../../src/directory/sample-directory';
import { FEED_A } from '../helpers/app';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { runEntry, waitForStatus, type Spawned } from '../helpers/process';
import { freePort } from '../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp-server';
import { until } from '../helpers/until';

/*
 * SPEC §11: personal data never enters logs. The whole service runs as `npm start` would,
 * at debug level, through a report, its emails, a failure and bad input; then every log
 * line is searched for the child's details and the recipients' addresses. Redaction is off
 * (LOG_REDACT=off), so a value logged by mistake shows here instead of hiding as [redacted].
 */
let smtp: TestSmtp;
let run: Spawned;
let url: string;

const sample = sampleDirectory(new Date());
const ownSchool = sample.find((o) => o.type === 'school')!;
const ownPractice = sample.find((o) => o.type === 'gp' && o.locality === ownSchool.locality)!;

beforeAll(async () => {
  smtp = await startTestSmtp();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  run = runEntry('src/main.ts', {
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: uniqueId('log').replace(/[^A-Za-z0-9_-]/g, '_'),
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
    SMTP_URL: `${smtp.url}?requireTLS=false`,
    MASH_EMAIL: 'mash-team@endeavor.test',
    RETRY_ATTEMPTS: '2',
    RETRY_BASE_MS: '50',
    PORT: String(port),
    LOG_LEVEL: 'debug',
    LOG_REDACT: 'off',
    NODE_ENV: 'development',
    INTAKE_RATE_LIMIT: '5',
  });
  await waitForStatus(`${url}/readyz`, 200);
});
afterAll(async () => {
  run.child.kill('SIGTERM');
  await run.exited;
  await smtp.close();
});

const logLines = () => (run.stdout() + run.stderr()).split('\n').filter((l) => l.startsWith('{'));

/** Waits until the process has written a line that matches: logs are written after the answer. */
async function waitForLogLine(match: (line: string) => boolean, timeoutMs = 5000): Promise<void> {
  await until(() => logLines().some(match), (found) => found, 'the log line', timeoutMs);
}

describe('logs', () => {
  it('carry ids, never the child’s name, date of birth, description or any email address', async () => {
    const child = {
      givenName: 'Zebedeeloggy',
      familyName: 'Quillfeatherlog',
      dateOfBirth: '2012-07-19',
      gender: 'male',
      schoolUrn: ownSchool.id,
      gpOdsCode: ownPractice.id,
      lookedAfter: true,
      description: 'Distinctivedescriptionword jacket',
    };
    const post = (body: unknown) =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}` },
        body: JSON.stringify(body),
      });
    // One recipient refuses for good: a failure, a notice, an error text with an address in it.
    const refused = ownSchool.contacts[0]!.email;
    smtp.respondWith((mail) => (mail.to.includes(refused) ? 550 : 250));
    const report = reportedEvent({ child, contact: { name: 'PC Loggingofficer', phone: '101', email: 'officer.log@police.example.test' } });
    expect((await post(report)).status).toBe(202);
    // Bad input that carries personal data too.
    expect((await post({ ...report, eventId: uniqueId('bad'), child: { ...child, dateOfBirth: '1990-01-01' } })).status).toBe(422);
    expect((await post({ ...report, risk: 'low' })).status).toBe(409);
    await smtp.waitFor((m) => m.some((x) => x.subject.includes('Delivery failed')), 15_000);
    // Reads with ids and personal data in the URL: the log keeps the route pattern only.
    const { episodeId } = (await (await post(report)).json()) as { episodeId: string };
    const read = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${FEED_A.key}`, ...(init.headers as Record<string, string>) } });
    expect((await read(`/api/v1/events/${report.eventId}?who=Zebedeeloggy`)).status).toBe(200);
    expect((await read(`/api/v1/episodes/${episodeId}`, { headers: { cookie: 'session=Quillfeatherlog' } })).status).toBe(200);
    expect((await read('/no/such/Zebedeeloggy@endeavor.test')).status).toBe(404);
    await waitForLogLine((l) => l.includes('"route":"(unmatched)"'));

    const logs = logLines();
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.some((l) => l.includes('"delivery sent"'))).toBe(true);
    const forbidden = ['Zebedeeloggy', 'Quillfeatherlog', '2012-07-19', 'Distinctivedescriptionword', 'Loggingofficer', '@'];
    for (const line of logs) for (const word of forbidden) expect(line, line).not.toContain(word);
    // With redaction off nothing is censored: had it stayed on, this would show it.
    for (const line of logs) expect(line, line).not.toContain('[redacted]');
    for (const line of logs) expect(line, line).not.toContain(FEED_A.key);
    // Request lines name the route, never the ids or query string of the URL.
    const requests = logs.filter((l) => l.includes('"msg":"request"'));
    expect(requests.some((l) => l.includes('"route":"/api/v1/episodes/:episodeId"'))).toBe(true);
    expect(requests.some((l) => l.includes('"route":"/api/v1/events/:eventId"'))).toBe(true);
    for (const line of requests) for (const id of [episodeId, report.eventId, '?', 'session=']) expect(line, line).not.toContain(id);
  });

  it('logs every request once with method, route pattern, status, duration and request id: 401, 422 and 429 too', async () => {
    const [ID_401, ID_422] = [randomUUID(), randomUUID()];
    const post = (body: unknown, key = FEED_A.key, requestId?: string) =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
        body: JSON.stringify(body),
      });
    const unauthorized = await post(reportedEvent(), 'wrong-key-0123456789abcdefghij', ID_401);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-request-id')).toBe(ID_401);
    const invalid = await post({ ...reportedEvent(), risk: 'extreme' }, FEED_A.key, ID_422);
    expect(invalid.status).toBe(422);
    // Over the rate limit (5 a second): a burst from one feed meets 429.
    const burst = await Promise.all(Array.from({ length: 12 }, () => post({ ...reportedEvent(), risk: 'extreme' }, FEED_A.key, randomUUID())));
    const limited = burst.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    const limitedId = limited.headers.get('x-request-id')!;
    // An insane request id is replaced, never echoed.
    const insane = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'bad id <script>' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Nor one that could carry a child's name and date of birth into the log (found by an outside probe).
    const named = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'Zephyrina.Quillbyfax.2013-05-14' } });
    const namedId = named.headers.get('x-request-id')!;
    expect(namedId).toMatch(/^[0-9a-f-]{36}$/);
    await waitForLogLine((l) => l.includes(`"requestId":"${namedId}"`));
    expect(logLines().join('\n')).not.toContain('Quillbyfax');

    const line = async (requestId: string) => {
      await waitForLogLine((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"'));
      const found = logLines().filter((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"'));
      expect(found, requestId).toHaveLength(1);
      return JSON.parse(found[0]!) as Record<string, unknown>;
    };
    expect(await line(ID_401)).toMatchObject({ method: 'POST', route: '/api/v1/events', status: 401 });
    expect(await line(ID_422)).toMatchObject({ method: 'POST', route: '/api/v1/events', status: 422, feedId: FEED_A.feedId });
    const tooMany = await line(limitedId);
    expect(tooMany).toMatchObject({ method: 'POST', route: '/api/v1/events', status: 429, feedId: FEED_A.feedId });
    expect(typeof tooMany.durationMs).toBe('number');
    for (const key of ['headers', 'body', 'query', 'url', 'cookie']) expect(tooMany, key).not.toHaveProperty(key);
  });
});
