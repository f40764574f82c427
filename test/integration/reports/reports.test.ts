import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reportSchema, type Report } from '../../../src/reports/report.schema';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { uniqueId } from '../../helpers/factories';
import { runEntry } from '../../helpers/process';
import { median, minutesCell, percentCell, seedFigures } from './seed-figures';

/*
 * SPEC §13 end to end: `npm run directory -- load-sample --with-history --until 2026-10` writes a
 * fictional year through the real intake and fan-out; the API, the page and its CSVs must give the
 * figures that follow from the rules in src/reports/sample-history.ts (worked out by hand below, and
 * by seed-figures.ts from the rules alone).
 */

const OCTOBER = 'from=2026-10-01&to=2026-10-31';
const YEAR = 'from=2025-11-01&to=2026-10-31';
const year = () => seedFigures({ from: '2025-11-01', to: '2026-10-31' }, new Date());
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
    // The answer is the last line; before it, at LOG_LEVEL=warn, the three bounces, logged by id only.
    const lines = seed.stdout.trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as { loaded: number; history: { events: number; deliveries: number } };
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(Array(3).fill('delivery bounced'));
    expect(lines.slice(0, -1).join('\n')).not.toMatch(/@|Fictional/);
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
    expect(report.timeToFirstDirect).toMatchObject({ measured: 5, notReached: 0, noDirectRecipient: 0, p50Seconds: 45, p90Seconds: 55, maxSeconds: 55 });
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
    // Found: 44 (9 Oct) and 45 (15 Oct), due three days later; 45 is recorded as done (45 mod 3 = 0), 44 is not.
    expect(report.returnInterviews).toEqual({ due: 2, done: 1, overdue: 1 });
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
    // The GP's first contact refused in episodes 5, 13, 21, 29, 37 and 45; the school's first contact
    // bounced in 10, 26 and 42 (schools 990011, 990027, 990043): nine contacts to correct.
    expect(report.deliveryProblems).toMatchObject({ failed: 6, bounced: 3 });
    expect(report.deliveryProblems.contacts.map((c) => c.organisation.id).sort()).toEqual(['990011', '990027', '990043', 'Y90003', 'Y90007', 'Y90011', 'Y90015', 'Y90019', 'Y90035']);
    expect(report.deliveryProblems.byOrganisation).toContainEqual({ organisation: expect.objectContaining({ type: 'school', id: '990043' }), failed: 0, bounced: 1 });
    // 35 found, due three days later, all within the year; done unless k mod 3 = 2 (12 of them).
    expect(report.returnInterviews).toEqual({ due: 35, done: 23, overdue: 12 });
    const expected = year();
    expect(report.acknowledgements).toMatchObject(expected.acknowledgements);
    expect(report.escalations.total).toBe(expected.escalations);
    expect(report.returnInterviews).toEqual(expected.returnInterviews);
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

/** The summary of the page as read: "term: value" a line, without the markup. */
const summaryOf = (body: string) =>
  [...body.slice(body.indexOf('<dl class="summary report-summary">')).split('</dl>')[0]!.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/gs)]
    .map((m) => `${m[1]}: ${m[2]!.replace(/<[^>]+>/g, '')}`);

describe('/dashboard/reports', () => {
  it('shows the figures with charts and tables, and no child names', async () => {
    const res = await page(`/dashboard/reports?${YEAR}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body.match(/<svg class="chart"[^>]*role="img"/g)).toHaveLength(3);
    expect(body).toContain('href="/dashboard/directory?type=gp#org-gp-Y90003"');
    const main = body.slice(body.indexOf('<main'));
    expect(main).not.toMatch(new RegExp(CHILD_NAMES.join('|')));
    // No contact's address either: the SMTP errors quote them, the report does not.
    expect(main).not.toMatch(/@[a-z0-9.-]+\.test/);
  });

  it('says in words the figures that follow from the seed rules', async () => {
    const expected = year();
    const ack = expected.acknowledgements;
    const ri = expected.returnInterviews;
    const summary = summaryOf(await (await page(`/dashboard/reports?${YEAR}`)).text());
    expect(summary).toEqual([
      'Episodes: 48',
      expect.stringMatching(/^Children with repeated episodes: 4 See who/),
      // 20 + 5·(k mod 10) s: 40 s is the 24th of 48, 60 s the 44th, 65 s the longest; every episode had its school and GP.
      `Police report to first direct email accepted: median 40 s, 90th percentile 60 s, longest 65 s (48 episodes; 0 episodes had no direct recipient)`,
      `Direct alerts acknowledged: ${percentCell(ack.acknowledged, ack.sent)}% (${ack.acknowledged} of ${ack.sent}), median time ${ack.medianSeconds / 60} min`,
      `Escalations: ${expected.escalations}`,
      'Failed deliveries: 6',
      'Bounced deliveries: 3',
      `Return home interviews: ${ri.due} due in the period: ${ri.done} recorded as done, ${ri.overdue} overdue (due time passed, not recorded as done)`,
    ]);
    expect([expected.failed, expected.bounced, ri.due, ri.done, ri.overdue]).toEqual([6, 3, 35, 23, 12]);
  });

  it('links each organisation with failed or bounced deliveries to its entry in the directory', async () => {
    const body = await (await page(`/dashboard/reports?${YEAR}`)).text();
    const section = body.slice(body.indexOf('Failed and bounced deliveries: contacts to correct'));
    const links = [...new Set([...section.matchAll(/href="\/dashboard\/directory\?type=(school|gp)#(org-[a-z]+-[0-9A-Z]+)"/g)].map((m) => `${m[1]} ${m[2]}`))].sort();
    expect(links).toEqual(['gp org-gp-Y90003', 'gp org-gp-Y90007', 'gp org-gp-Y90011', 'gp org-gp-Y90015', 'gp org-gp-Y90019', 'gp org-gp-Y90035', 'school org-school-990011', 'school org-school-990027', 'school org-school-990043']);
    for (const link of links) {
      const [type, anchor] = link.split(' ');
      expect(await (await page(`/dashboard/directory?type=${type}`)).text(), anchor).toContain(`id="${anchor}"`);
    }
    // The bounces went through the real bounce path: they are on the directory's own list too.
    const directory = await (await page('/dashboard/directory')).text();
    expect(directory.slice(directory.indexOf('id="contacts-to-correct"'))).toContain('school 990043');
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

  describe('each table as CSV, with the figures of the seed rules', () => {
    const csv = async (name: string, file = name) => {
      const res = await page(`/dashboard/reports/${name}.csv?${YEAR}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${file}-2025-11-01-to-2026-10-31.csv"`);
      return (await res.text()).split('\r\n');
    };
    const organisation = (type: string, id: string) => [...year().byOrganisation.values()].find((o) => o.organisation.type === type && o.organisation.id === id)!;

    it('episodes by month and locality: the first month is episodes 0 to 2, in Alnwick, Berwick and Morpeth', async () => {
      const lines = await csv('episodes-by-month-and-locality');
      expect(lines[0]).toBe('Month,Alnwick,Ashington,Bedlington,Berwick,Blyth,Cramlington,Haltwhistle,Hexham,Morpeth,Ponteland,Prudhoe,Rothbury,Total');
      expect(lines[1]).toBe('2025-11,1,0,0,1,0,0,0,0,1,0,0,0,3');
      expect(lines[1]).toBe(['2025-11', ...year().byMonthAndLocality('2025-11'), 3].join(','));
      expect(lines).toHaveLength(12 + 2);
    });

    it('episodes by risk and by missing from: a quarter and a third each', async () => {
      expect((await csv('episodes-by-risk')).join('\n')).toBe('Risk,Episodes\nHigh,12\nMedium,12\nLow,12\nVery low,12\nNot given,0\n');
      expect((await csv('episodes-by-missing-from')).join('\n')).toBe('Missing from,Episodes\nHome,16\nCare,16\nOther,16\nNot given,0\n');
    });

    it('time to school by week: every week, the empty ones too', async () => {
      const lines = await csv('time-to-school-by-week');
      expect(lines[0]).toBe('Week starting,Episodes measured,Median (s),90th percentile (s)');
      // The range starts on a Saturday. 3 November 2025 is a Monday: episodes 0 (20 s) and 1 (25 s) on the 3rd and 9th;
      // the month has three episodes, so the weeks of the 17th and 24th are empty.
      expect(lines.slice(1, 6)).toEqual(['2025-10-27,0,,', '2025-11-03,2,20,25', '2025-11-10,1,30,30', '2025-11-17,0,,', '2025-11-24,0,,']);
      expect(lines).toHaveLength(53 + 2);
    });

    it('acknowledgements by organisation: a GP that never acknowledges, and one that always does', async () => {
      const lines = await csv('acknowledgements-by-organisation');
      expect(lines[0]).toBe('Organisation,Type,Id,Alerts sent,Acknowledged,Rate (%),Median time to acknowledge (min)');
      // GP Y90002 (three contacts) is the GP of episodes 8 and 44, both even: all six acknowledged in 30 minutes.
      const always = organisation('gp', 'Y90002');
      expect([always.sent, always.acknowledged]).toEqual([6, 6]);
      expect(lines).toContain(`${always.organisation.name},GP practice,Y90002,6,6,100,30`);
      // GP Y90003 (one contact) is the GP of episodes 9 and 45, both odd: never acknowledged; in 45 it refused.
      const refusing = organisation('gp', 'Y90003');
      expect(lines).toContain(`${refusing.organisation.name},GP practice,Y90003,1,0,0,`);
      const school = organisation('school', '990011');
      expect(lines).toContain(
        `${school.organisation.name},School,990011,${school.sent},${school.acknowledged},${percentCell(school.acknowledged, school.sent)},${minutesCell(median(school.ackSeconds))}`,
      );
    });

    it('escalations by organisation', async () => {
      const lines = await csv('escalations-by-organisation');
      expect(lines[0]).toBe('Organisation,Type,Id,Escalations');
      const gp = organisation('gp', 'Y90003');
      expect(gp.escalations).toBeGreaterThan(0);
      expect(lines).toContain(`${gp.organisation.name},GP practice,Y90003,${gp.escalations}`);
      expect(lines.slice(1, -1).reduce((n, line) => n + Number(line.split(',').at(-1)), 0)).toBe(year().escalations);
    });

    it('failed and bounced deliveries by organisation, and the contacts to correct', async () => {
      const byOrganisation = await csv('delivery-problems-by-organisation');
      expect(byOrganisation[0]).toBe('Organisation,Type,Id,Failed,Bounced');
      const [bounce] = year().bouncedAlerts.filter((a) => a.k === 10);
      expect(byOrganisation).toContain(`${bounce!.organisation.name},School,990011,0,1`);
      expect(byOrganisation).toContain(`${organisation('gp', 'Y90003').organisation.name},GP practice,Y90003,1,0`);
      expect(byOrganisation).toHaveLength(9 + 2);

      const contacts = await csv('contacts-to-correct');
      expect(contacts[0]).toBe('Organisation,Type,Id,Contact role,Contact id,Failed,Bounced,Last error,Last at');
      // Episode 10 opens on 21 January 2026 at 10:00, the POST 20 s later; the DSN five minutes after the POST.
      const contact = bounce!.organisation.contacts[0]!;
      expect(contacts).toContain(`${bounce!.organisation.name},School,990011,dsl,${contact.contactId},0,1,BOUNCED 5.1.1: 550 5.1.1 <address>: user unknown,2026-01-21T10:05:20.000Z`);
    });

    it('the repeated children, as an audited export', async () => {
      const lines = await csv('repeated', 'repeated-children');
      expect(lines[0]).toBe('givenName,familyName,dateOfBirth,policePersonId,mostIn90Days,episodeId,policeReference,openedAt,state');
      // Avery Ashbrook (as last reported) at episode 36: the first of August's, on the 3rd; found (36 mod 4 = 0).
      expect(lines).toContainEqual(expect.stringMatching(/^Avery,Ashbrook,2011-02-03,NP-PERSON-0001,3,ep_[0-9a-f]{24},NP-SAMPLE-202608-36,2026-08-03T10:00:00.000Z,found$/));
      expect(lines.filter((line) => line.startsWith('Bryn,Blackthorn,2012-06-07,,'))).toHaveLength(4);
      // Avery 3, Bryn 4, Elspeth Eskdale 3, Orla Oxenholt 3.
      expect(lines).toHaveLength(13 + 2);
      const [entry] = await app.stores.audit.recent(1);
      expect(entry).toMatchObject({ action: 'report.repeated-children.export', subject: '2025-11-01..2026-10-31' });
    });

    it('answers an unknown table with 404', async () => {
      expect((await page(`/dashboard/reports/no-such-table.csv?${YEAR}`)).status).toBe(404);
    });
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
    const shown = [...body.matchAll(/href="\/dashboard\/episodes\/(ep_[0-9a-f]{24})"/g)].map((m) => m[1]);
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ children: 4, episodes: expect.arrayContaining(shown) });
    expect(JSON.parse(audit[0]!.detail!).episodes).toHaveLength(13);
    expect(JSON.stringify(audit)).not.toContain('Avery');
  });
});
