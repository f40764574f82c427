import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sampleDirectory } from '../../src/directory/sample-directory';
import { FEED_A } from '../helpers/app';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { runEntry, waitForStatus, type Spawned } from '../helpers/process';
import { freePort } from '../helpers/redis-server';
import { until } from '../helpers/until';

/* SPEC §9: with no SMTP_URL outside production, `npm start` catches mail in an embedded sink the dashboard can read. */
let run: Spawned;
let url: string;
const ADMIN = { email: 'admin-sink@endeavor.test', password: 'a-fictional-admin-password' };

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  run = runEntry('src/main.ts', {
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: uniqueId('sink').replace(/[^A-Za-z0-9_-]/g, '_'),
    INTAKE_API_KEYS: `${FEED_A.feedId}:${FEED_A.key}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    PORT: String(port),
  });
  await waitForStatus(`${url}/readyz`, 200);
});
afterAll(async () => {
  run.child.kill('SIGTERM');
  await run.exited;
});

describe('the embedded development mail sink', () => {
  it('catches the alerts and lets a signed-in user read them over HTTP', async () => {
    const school = sampleDirectory(new Date()).find((o) => o.type === 'school')!;
    const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: school.id, gpOdsCode: undefined, postcodeDistrict: undefined } });
    const posted = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FEED_A.key}` },
      body: JSON.stringify(report),
    });
    expect(posted.status).toBe(202);

    expect((await fetch(`${url}/api/v1/dev/mail`)).status).toBe(401);
    const session = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;

    const subjects = await until(
      async () => {
        const res = await fetch(`${url}/api/v1/dev/mail`, { headers: { cookie } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { messages: { subject: string }[] }).messages.map((m) => m.subject);
      },
      (seen) => seen.some((s) => s.includes(report.policeReference)),
      'the alert among the caught mail',
      15_000,
    );
    expect(subjects).toContain(`[Operation Endeavor] HIGH risk: missing child alert, ref ${report.policeReference}`);
  });
});
