import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reportSchema, type Report } from '../../../src/reports/report.schema';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';
import { runEntry } from '../../helpers/process';

/*
 * SPEC §13 end to end: `npm run directory -- load-sample --with-history --until 2026-10` writes a
 * fictional year through the real intake and fan-out; the API and the page must give the figures
 * that follow from the rules in src/reports/sample-history.ts (worked out by hand below).
 */

const OCTOBER = 'from=2026-10-01&to=2026-10-31';
const YEAR = 'from=2025-11-01&to=2026-10-31';
const CHILD_NAMES = ['Avery', 'Ashbrook', 'Bryn', 'Blackthorn', 'Orla', 'Oxenholt', 'Fictional sample child'];

let app: TestApp;
let cookie: string;
let seed: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  const prefix = uniqueId('rep').replace(/[^A-Za-z0-9_-]/g, '_');
  const run = runEntry('scripts/directory.ts', { NODE_ENV: 'development', REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' }, {
    args: ['load-sample', '--with-history', '--until', '2026-10'],
  });
  seed = { code: await run.exited, stdout: run.stdout(), stderr: run.stderr() };
  app = await startTestApp({ env: { NODE_ENV: 'development', QUEUE_PREFIX: prefix } });
  cookie = await signIn(app, 'mash');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

const api = async (query: string, withCookie = true) => fetch(`${app.url}/api/v1/reports?${query}`, { headers: withCookie ? { cookie } : {} });
const page = async (path: string) => fetch(`${app.url}${path}`, { headers: { cookie } });

describe('the sample history', () => {
  it('loads the sample directory and 48 episodes with their closing events', () => {
    expect(seed.code, seed.stderr).toBe(0);
    const result = JSON.parse(seed.stdout) as { loaded: number; history: { events: number; deliveries: number } };
    expect(result.loaded).toBe(190);
    // 48 reports; 46 closed (35 found, 11 cancelled).
    expect(result.history.events).toBe(94);
  });
});

describe('GET /api/v1/reports', () => {
  it('gives October 2026 as worked out from the seed rules', async () => {
    const res = await api(OCTOBER);
    expect(res.status).toBe(200);
    const report = reportSchema.parse(await res.json());
    expect(report.episodes.total).toBe(5);
    expect(report.episodes.byMonthAndLocality).toEqual(
      ['Bedlington', 'Cramlington', 'Haltwhistle', 'Ponteland', 'Prudhoe'].map((locality) => ({ month: '2026-10', locality, count: 1 })),
    );
    expect(report.episodes.byRisk).toEqual([
      { risk: 'high', count: 1 },
      { risk: 'medium', count: 1 },
      { risk: 'low', count: 1 },
      { risk: 'very_low', count: 2 },
      { risk: 'unknown', count: 0 },
    ]);
    expect(report.episodes.byMissingFrom.map((r) => r.count)).toEqual([1, 2, 2, 0]);
    // Avery Ashbrook (policePersonId), episodes 36, 39 and 43; ORLA / Orla Oxenholt (44-46: case does not count).
    expect(report.repeatedChildren).toEqual({ children: 2, episodes: 6 });
    // 20 + 5·(k mod 10) s for k = 43..47: 35, 40, 45, 50, 55.
    expect(report.timeToFirstDirect).toMatchObject({ measured: 5, notReached: 0, p50Seconds: 45, p90Seconds: 55, maxSeconds: 55 });
    // Direct contacts sent: schools 2+3+1+2+3, GPs 2+3+0+2+3 (episode 45's only GP contact refused).
    // Acknowledged: schools 0+3+1+2+3, GPs 0+3+0+2+0; escalated: school 43 (2), GPs 43 (2) and 47 (3).
    expect(report.acknowledgements).toMatchObject({ sent: 21, acknowledged: 14, medianSeconds: 1800 });
    expect(report.acknowledgements.rate).toBeCloseTo(14 / 21);
    expect(report.acknowledgements.byOrganisation[0]).toMatchObject({ rate: 0 });
    expect(report.escalations.total).toBe(7);
    expect(report.deliveryProblems).toMatchObject({ failed: 1, bounced: 0 });
    expect(report.deliveryProblems.contacts).toEqual([
      expect.objectContaining({ organisation: expect.objectContaining({ type: 'gp', id: 'Y90003' }), failed: 1, lastError: '550 5.1.1 <[address]>: mailbox unavailable' }),
    ]);
    expect(report.returnInterviews).toEqual({ due: 2, done: 0, overdue: 2 });
  });

  it('gives the whole year as worked out from the seed rules', async () => {
    const report = (await (await api(YEAR)).json()) as Report;
    expect(report.episodes.total).toBe(48);
    expect(report.episodes.months).toHaveLength(12);
    const perMonth = report.episodes.months.map((m) => report.episodes.byMonthAndLocality.filter((r) => r.month === m).reduce((n, r) => n + r.count, 0));
    expect(perMonth).toEqual([3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4, 5]);
    const perLocality = new Map<string, number>();
    for (const r of report.episodes.byMonthAndLocality) perLocality.set(r.locality, (perLocality.get(r.locality) ?? 0) + r.count);
    expect([...perLocality.values()]).toEqual(Array(12).fill(4));
    expect(report.episodes.byRisk.map((r) => r.count)).toEqual([12, 12, 12, 12, 0]);
    expect(report.episodes.byMissingFrom.map((r) => r.count)).toEqual([16, 16, 16, 0]);
    // Avery (3), Bryn Blackthorn (4, by name and date of birth), Élspeth / Elspeth Eskdale (3) and
    // ORLA / Orla Oxenholt (3); the swapped Carys Coldwater and Dorian over 90 days are not merged.
    expect(report.repeatedChildren).toEqual({ children: 4, episodes: 13 });
    expect(report.timeToFirstDirect).toMatchObject({ measured: 48, p50Seconds: 40, p90Seconds: 60, maxSeconds: 65 });
    // The GP's first contact refused in episodes 5, 13, 21, 29, 37 and 45: six contacts to correct.
    expect(report.deliveryProblems.failed).toBe(6);
    expect(report.deliveryProblems.contacts.map((c) => c.organisation.id).sort()).toEqual(['Y90003', 'Y90007', 'Y90011', 'Y90015', 'Y90019', 'Y90035']);
    expect(report.returnInterviews).toEqual({ due: 35, done: 0, overdue: 35 });
    expect(JSON.stringify(report)).not.toMatch(new RegExp(CHILD_NAMES.join('|')));
  });

  it.each([
    ['to before from', 'from=2026-10-31&to=2026-10-01', 'to'],
    ['a malformed date', 'from=2026-13-01&to=2026-10-31', 'from'],
    ['a range longer than 366 days', 'from=2024-01-01&to=2026-10-31', 'to'],
    ['only one end', 'from=2026-10-01', 'to'],
  ])('answers 422 with the field for %s', async (_label, query, path) => {
    const res = await api(query);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toContain(path);
  });

  it('answers 401 to somebody not signed in', async () => {
    expect((await api(OCTOBER, false)).status).toBe(401);
  });
});

describe('/dashboard/reports', () => {
  it('shows the figures with charts and tables, and no child names', async () => {
    const res = await page(`/dashboard/reports?${YEAR}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body.match(/<svg class="chart"[^>]*role="img"/g)).toHaveLength(3);
    expect(body).toContain('<dt>Episodes</dt><dd>48</dd>');
    expect(body).toContain('<dt>Children with repeated episodes</dt><dd>4 ');
    expect(body).toContain('href="/dashboard/directory?type=gp#org-gp-Y90003"');
    const main = body.slice(body.indexOf('<main'));
    expect(main).not.toMatch(new RegExp(CHILD_NAMES.join('|')));
    // No contact's address either: the SMTP errors quote them, the report does not.
    expect(main).not.toMatch(/@[a-z0-9.-]+\.test/);
  });

  it('defaults to the last full month', async () => {
    const body = await (await page('/dashboard/reports')).text();
    expect(body).toMatch(/<input type="date" id="from" name="from" value="\d{4}-\d{2}-01"/);
  });

  it('answers a bad range with the form and its errors (422)', async () => {
    const res = await page('/dashboard/reports?from=2026-10-31&to=2026-10-01');
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain('There is a problem');
    expect(body).toContain('aria-invalid="true"');
  });

  it('offers each table as CSV with the same figures', async () => {
    const res = await page(`/dashboard/reports/episodes-by-risk.csv?${YEAR}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(await res.text()).toBe('Risk,Episodes\r\nHigh,12\r\nMedium,12\r\nLow,12\r\nVery low,12\r\nNot given,0\r\n');
    expect((await page(`/dashboard/reports/no-such-table.csv?${YEAR}`)).status).toBe(404);
  });

  it('lists the children with repeated episodes, with links to each episode, and audits the view', async () => {
    const res = await page(`/dashboard/reports/repeated?${YEAR}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('Avery Ashbrook');
    expect(body).toContain('Bryn Blackthorn');
    expect(body).toContain('3 February 2011 (age ');
    expect(body).toContain('Elspeth Eskdale');
    expect(body).toContain('Orla Oxenholt');
    expect(body).not.toContain('Carys');
    expect(body).not.toContain('Dorian');
    expect(body.match(/href="\/dashboard\/episodes\/ep_[0-9a-f]{24}"/g)).toHaveLength(13);
    const audit = await app.stores.audit.recent(5);
    expect(audit[0]).toMatchObject({ action: 'report.repeated-children.view', subject: '2025-11-01..2026-10-31' });
    expect(JSON.stringify(audit)).not.toContain('Avery');
  });
});
