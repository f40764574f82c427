import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryStore, type DeliveryWithHistory } from '../../../src/delivery/delivery.store';
import { startTestApp, type TestApp } from '../../helpers/app';
import { contact, practice, school, seedDirectory } from '../../helpers/directory';
import { reportedEvent } from '../../helpers/factories';
import { ROOT } from '../../helpers/process';
import { startTestSmtp, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §12: one scenario moves every pipeline figure — a 250, a 451 (then 250), a 550, an
 * acknowledgement and an escalation — and /metrics shows each, with no personal data in any
 * label value.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
const DSL = 'dsl@school-990001.endeavor.test';
const GP_LEAD = 'lead@gp-y90001.endeavor.test';
const AREA = 'dsl@school-990002.endeavor.test';

let smtp: TestSmtp;
let app: TestApp;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    now: clock,
    env: { NODE_ENV: 'development', METRICS_TOKEN: TOKEN, SCHOOL_HOURS: 'always', ACK_DEADLINE_SECONDS: '3600', RETRY_BASE_MS: '50', RETRY_ATTEMPTS: '3' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { locality: 'Alnwick', contacts: [contact('Fictional DSL', 'dsl', DSL)] }),
    practice('Y90001', { locality: 'Alnwick', contacts: [contact('Fictional Lead', 'safeguarding_lead', GP_LEAD)] }),
    school('990002', { locality: 'Alnwick', contacts: [contact('Fictional Area DSL', 'dsl', AREA)] }),
  ]);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

const scrape = (token: string | null = TOKEN) =>
  fetch(`${app.url}/metrics`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

/** `name{labels} value` lines as [name, labels, value]. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      expect(m, line).not.toBeNull();
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const value = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

/** Until the episode's deliveries satisfy `done`; throws if they never do, so a later check never runs on a missed precondition. */
const waitForDeliveries = (episodeId: string, done: (d: DeliveryWithHistory[]) => boolean) =>
  until(() => createDeliveryStore(app.redis, app.config.queuePrefix).ofEpisode(episodeId), done, `deliveries of ${episodeId}`, 15_000);

describe('GET /metrics', () => {
  it('answers 401 to a missing or wrong token', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong-token-0123456789abcdef')).status).toBe(401);
  });

  it('is absent (404) when METRICS_TOKEN is unset', async () => {
    const bare = await startTestApp({ env: { NODE_ENV: 'development' } });
    try {
      expect((await fetch(`${bare.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('moves every counter and histogram through a 250, a 451, a 550, an acknowledgement and an escalation, with no personal data in any label', async () => {
    let gpTries = 0;
    smtp.respondWith((mail) => {
      if (mail.to.includes(AREA)) return 550;
      if (mail.to.includes(GP_LEAD) && gpTries++ === 0) return 451;
      return 250;
    });
    const report = reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } });
    const accepted = await app.post('/api/v1/events', report);
    expect(accepted.status).toBe(202);
    expect((await app.post('/api/v1/events', { ...report, eventId: 'bad-one', risk: 'extreme' })).status).toBe(422);
    expect((await app.post('/api/v1/events', report, { key: 'not-a-key-0123456789abcdefgh' })).status).toBe(401);
    const { episodeId } = (await accepted.json()) as { episodeId: string };

    const final = (d: DeliveryWithHistory) => d.status === 'sent' || d.status === 'failed';
    const deliveries = await waitForDeliveries(episodeId, (ds) => ds.length === 3 && ds.every(final));
    expect(deliveries.map((d) => `${d.contact.email}:${d.status}`).sort()).toEqual([`${AREA}:failed`, `${DSL}:sent`, `${GP_LEAD}:sent`].sort());

    const mail = await smtp.waitFor((ms) => ms.some((m) => m.to.includes(DSL)));
    const path = /http:\/\/localhost:0(\/ack\/[^\s"<>]+)/.exec(mail.find((m) => m.to.includes(DSL))!.text)![1]!;
    const page = await (await fetch(app.url + path)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const ack = await fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(ack.status).toBe(200);

    // The practice never acknowledges: two hours on, it is escalated.
    offsetMs = 2 * 3600_000;
    await waitForDeliveries(episodeId, (ds) => ds.some((d) => d.contact.email === GP_LEAD && d.escalatedAt));
    offsetMs = 0;

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const feed = { feed: 'northumbria-test' };
    expect(value(text, 'endeavor_intake_responses_total', { ...feed, status: '202' })).toBe(1);
    expect(value(text, 'endeavor_intake_responses_total', { ...feed, status: '422' })).toBe(1);
    expect(value(text, 'endeavor_intake_responses_total', { feed: 'none', status: '401' })).toBe(1);
    expect(value(text, 'endeavor_deliveries_total', { status: 'sent', kind: 'alert', audience: 'direct' })).toBe(2);
    expect(value(text, 'endeavor_deliveries_total', { status: 'retrying', kind: 'alert', audience: 'direct' })).toBe(1);
    expect(value(text, 'endeavor_deliveries_total', { status: 'failed', kind: 'alert', audience: 'area' })).toBe(1);
    expect(value(text, 'endeavor_post_to_smtp_accepted_seconds_count', { audience: 'direct' })).toBe(2);
    expect(value(text, 'endeavor_post_to_smtp_accepted_seconds_bucket', { audience: 'direct', le: '+Inf' })).toBe(2);
    expect(value(text, 'endeavor_post_to_smtp_accepted_seconds_sum', { audience: 'direct' })).toBeGreaterThan(0);
    expect(value(text, 'endeavor_acknowledgements_total', { audience: 'direct' })).toBe(1);
    expect(value(text, 'endeavor_sent_to_acknowledged_seconds_count')).toBe(1);
    expect(value(text, 'endeavor_escalations_total')).toBe(1);
    expect(text).toContain('# TYPE endeavor_bounces_total counter');
    expect(value(text, 'endeavor_queue_jobs', { queue: 'deliver', state: 'completed' })).toBeGreaterThanOrEqual(2);
    expect(value(text, 'endeavor_workers_alive')).toBe(1);
    expect(text).toContain('endeavor_delivery_backlog_oldest_seconds{status="retrying"}');
    expect(text).toContain('process_cpu_user_seconds_total');

    const forbidden = ['@', 'Testchild', 'Fictional', report.policeReference, report.eventId, episodeId, '2013-05-14'];
    for (const sample of samples(text)) {
      for (const labelValue of Object.values(sample.labels)) for (const word of forbidden) expect(labelValue).not.toContain(word);
    }
    for (const word of forbidden.slice(1)) expect(text).not.toContain(word);
  });

  it('exports every metric that the example alert rules (deploy/prometheus/alerts.yml) name', async () => {
    const rules = readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
    const exprs = [...rules.matchAll(/^\s*expr: (.+)$/gm)].map((m) => m[1]!);
    expect(exprs.length).toBeGreaterThanOrEqual(4);
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(endeavor_[a-z0-9_]+|process_[a-z0-9_]+)/g)].map((m) => m[1]!)));
    const text = await (await scrape()).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
    for (const name of ['endeavor_deliveries_total', 'endeavor_delivery_backlog_oldest_seconds', 'endeavor_workers_alive', 'endeavor_escalations_total']) {
      expect(named).toContain(name);
    }
  });
});
