import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sampleDirectory } from '../../src/directory/sample-directory';
import { FEED_A } from '../helpers/app';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { runEntry, waitForStatus, type Spawned } from '../helpers/process';
import { freePort } from '../helpers/redis-server';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp-server';

/*
 * SPEC §11: personal data never enters logs. The whole service runs as `npm start` would,
 * at debug level, through a report, its emails, a failure and bad input; then every log
 * line is searched for the child's details and the recipients' addresses.
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
  });
  await waitForStatus(`${url}/readyz`, 200);
});
afterAll(async () => {
  run.child.kill('SIGTERM');
  await run.exited;
  await smtp.close();
});

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
    await new Promise((r) => setTimeout(r, 500));

    const logs = (run.stdout() + run.stderr()).split('\n').filter((l) => l.startsWith('{'));
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.some((l) => l.includes('"delivery sent"'))).toBe(true);
    const forbidden = ['Zebedeeloggy', 'Quillfeatherlog', '2012-07-19', 'Distinctivedescriptionword', 'Loggingofficer', '@'];
    for (const line of logs) for (const word of forbidden) expect(line, line).not.toContain(word);
  });
});
