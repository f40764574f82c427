import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type ConsoleWatch, type TestBrowser } from '../helpers/browser';
import { contact, practice, school, seedDirectory } from '../helpers/directory';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { ROOT } from '../helpers/process';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp-server';

/*
 * SPEC §8 in a real browser: sign in through the form, watch the board update itself, open an
 * episode, retry a failed delivery, and hold every page to WCAG 2.1 AA and the strict CSP.
 */

const SCREENSHOTS = join(ROOT, 'test-results');
const PASSWORD = 'correct horse battery staple (fictional)';
const DSL = 'dsl@school-990001.endeavor.test';
const REFUSED = 'lead@gp-y90001.endeavor.test';
const PRACTICE = 'Fictional Practice Y90001';

let smtp: TestSmtp;
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  smtp = await startTestSmtp();
  // The practice's mailbox refuses for good (550) until a test says otherwise.
  smtp.respondToRcptWith((to) => (to === REFUSED ? 550 : 250));
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: { SCHOOL_HOURS: 'always', ACK_DEADLINE_SECONDS: '86400', REMINDER_INTERVAL_HOURS: '0' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', { contacts: [contact('Fictional DSL', 'dsl', DSL)] }),
    practice('Y90001'),
    school('990003', { name: 'Fictional Area School 990003' }),
  ]);
  browser = await launchBrowser();
}, 120_000);

afterEach(async () => {
  await browser?.closeContexts();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await smtp?.close();
}, 60_000);

async function newUser(role: 'mash' | 'admin') {
  const email = `${role}-${uniqueId('u').toLowerCase()}@endeavor.test`;
  await app.users.createUser({ email, role, password: PASSWORD }, new Date());
  return email;
}

/** Signs in through /login as a person would: type, press the button, land on the board. */
async function signInThroughForm(page: Page, email: string) {
  await page.goto(`${app.url}/dashboard`, { waitUntil: 'load' });
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${app.url}/dashboard`), page.getByRole('button', { name: 'Sign in' }).click()]);
}

async function expectAccessible(page: Page, shot: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${shot}.png`), fullPage: true });
  const violations = await checkAccessibility(page);
  expect(describeViolations(violations), `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`).toEqual([]);
  expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
}

async function postReport(ref: string) {
  const res = await app.post('/api/v1/events', reportedEvent({ policeReference: ref }));
  expect(res.status).toBe(202);
  return (await res.json()).episodeId as string;
}

const boardRow = (page: Page, ref: string) => page.locator('#board-body tr', { has: page.getByRole('link', { name: ref, exact: true }) });

describe('the dashboard in a browser', () => {
  let logged: ConsoleWatch;

  it('signs in, updates the board live, retries a failed delivery from the episode page, and passes axe everywhere', async () => {
    const email = await newUser('mash');
    const first = uniqueId('NP-A');
    const second = uniqueId('NP-B');
    const firstEpisode = await postReport(first);

    const page = await browser.newPage();
    logged = watchConsole(page);
    await signInThroughForm(page, email);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Open episodes');
    await expect.poll(() => boardRow(page, first).count()).toBe(1);

    // Live: a marker on the window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { boardMarker: number }).boardMarker = 42));
    await postReport(second);
    await expect.poll(() => boardRow(page, second).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('#board-announcer').innerText(), { timeout: 15_000 }).toContain(second);
    // The counts move too: the refused practice shows as a failure on the first episode's row.
    await expect.poll(() => boardRow(page, first).locator('td').nth(3).innerText(), { timeout: 15_000 }).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { boardMarker?: number }).boardMarker)).toBe(42);
    await expect(page.locator('#board-updated').innerText()).resolves.toMatch(/updates itself every 5 seconds/);
    await expectAccessible(page, 'board');

    // The episode page: the child, and the failed delivery with its Retry button.
    await Promise.all([page.waitForURL(`${app.url}/dashboard/episodes/${firstEpisode}`), boardRow(page, first).getByRole('link').click()]);
    const report = reportedEvent();
    expect(await page.locator('main').innerText()).toContain(`${report.child.givenName} ${report.child.familyName}`);
    expect(await page.title()).not.toContain(report.child.givenName);
    const failedRow = page.locator('table.deliveries tbody tr', { hasText: PRACTICE });
    await expect(failedRow.locator('.tag').innerText()).resolves.toBe('failed');
    const retry = failedRow.getByRole('button', { name: /^Retry/ });
    expect(await retry.count()).toBe(1);
    await failedRow.getByText(/^History/).click();
    await expectAccessible(page, 'episode');

    smtp.respondToRcptWith(250);
    await Promise.all([page.waitForURL(`${app.url}/dashboard/episodes/${firstEpisode}`), retry.click()]);
    await expect
      .poll(
        async () => {
          await page.reload({ waitUntil: 'load' });
          return page.locator('table.deliveries tbody tr', { hasText: PRACTICE }).locator('.tag').innerText();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('sent');
    expect(await page.locator('table.deliveries tbody tr', { hasText: PRACTICE }).getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-episode-after-retry.png'), fullPage: true });

    for (const [path, shot] of [
      ['/dashboard/failed', 'failed'],
      ['/dashboard/overdue', 'overdue'],
      ['/dashboard/directory', 'directory'],
      ['/dashboard/queues', 'queues'],
      ['/dashboard/audit', 'audit'],
      ['/dashboard/export', 'export'],
    ] as const) {
      const res = await page.goto(app.url + path, { waitUntil: 'load' });
      expect(res?.status(), path).toBe(200);
      await expectAccessible(page, shot);
    }
    expect(await page.locator('main').innerText()).toContain('Export the delivery log');
    await page.goto(`${app.url}/dashboard/audit`, { waitUntil: 'load' });
    expect(await page.locator('main').innerText()).toMatch(/delivery\.retry/);
    expect(logged.cspViolations()).toEqual([]);
  }, 120_000);

  it('lets an admin read a CSV file into the import form and import it', async () => {
    const email = await newUser('admin');
    const page = await browser.newPage();
    const watch = watchConsole(page);
    await signInThroughForm(page, email);
    await page.goto(`${app.url}/dashboard/directory`, { waitUntil: 'load' });
    const csv = 'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,990088,Fictional Upload School,Morpeth,Upload DSL,dsl@school-990088.endeavor.test,dsl,yes\n';
    await page.getByLabel('Choose a CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => page.getByLabel('Contacts CSV').inputValue()).toBe(csv);
    await expectAccessible(page, 'directory-admin');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Import contacts' }).click()]);
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('1 created, 0 updated, 0 rejected');
    expect((await app.directory.get('school', '990088'))?.name).toBe('Fictional Upload School');
    await expectAccessible(page, 'directory-imported');
    // The audit log shows what the import changed, with the values, behind a disclosure.
    await page.goto(`${app.url}/dashboard/audit`, { waitUntil: 'load' });
    const change = page.locator('details.audit-changes', { hasText: 'school:990088' }).first();
    await change.locator('summary').click();
    expect(await change.innerText()).toContain('contact added: Upload DSL <dsl@school-990088.endeavor.test>, dsl');
    await expectAccessible(page, 'audit-directory-import');
    expect(watch.cspViolations()).toEqual([]);
  }, 90_000);

  it('works without JavaScript: sign in, the board as a plain page, sign out', async () => {
    const email = await newUser('mash');
    const page = await browser.newPage({ javaScriptEnabled: false });
    const watch = watchConsole(page);
    await signInThroughForm(page, email);
    expect(await page.locator('#board-body tr').count()).toBeGreaterThan(0);
    await expect(page.locator('#board-updated').innerText()).resolves.toMatch(/Reload the page/);
    await expectAccessible(page, 'board-no-js');
    await Promise.all([page.waitForURL(`${app.url}/login`), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    await expect(page.getByRole('alert').innerText()).resolves.toContain('There is a problem');
    await expectAccessible(page, 'login-error');
    expect(watch.cspViolations()).toEqual([]);
  }, 90_000);
});
