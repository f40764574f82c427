import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSampleIfEmpty } from '../../src/directory/directory.service';
import { loadSampleHistory } from '../../src/reports/load-sample-history';
import { startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type TestBrowser } from '../helpers/browser';
import { uniqueId } from '../helpers/factories';
import { ROOT } from '../helpers/process';

/*
 * SPEC §13 in a real browser: the reports page over the fictional sample year, at desktop and
 * phone widths, without JavaScript, under the strict CSP, held to WCAG 2.1 AA.
 */

const SCREENSHOTS = join(ROOT, 'test-results');
const PASSWORD = 'correct horse battery staple (fictional)';
const YEAR = 'from=2025-11-01&to=2026-10-31';

let app: TestApp;
let browser: TestBrowser;
let email: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  await loadSampleIfEmpty(app.directory, new Date(), { production: false });
  await loadSampleHistory(app.stores, '2026-10');
  email = `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
  await app.users.createUser({ email, role: 'mash', password: PASSWORD }, new Date());
  browser = await launchBrowser();
}, 180_000);

afterEach(async () => {
  await browser?.closeContexts();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
}, 60_000);

async function signIn(page: Page) {
  await page.goto(`${app.url}/login`, { waitUntil: 'load' });
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${app.url}/dashboard`), page.getByRole('button', { name: 'Sign in' }).click()]);
}

async function expectAccessible(page: Page) {
  const violations = await checkAccessibility(page);
  expect(describeViolations(violations), `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`).toEqual([]);
  expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
}

describe('/dashboard/reports in a browser', () => {
  it.each([
    [1280, 900],
    [320, 640],
  ])('reads at %i px without JavaScript, under the CSP, with no WCAG 2.1 AA violations', async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height }, javaScriptEnabled: false });
    const watch = watchConsole(page);
    await signIn(page);
    await page.goto(`${app.url}/dashboard/reports?${YEAR}`, { waitUntil: 'load' });
    await page.screenshot({ path: join(SCREENSHOTS, `reports-${width}.png`), fullPage: true });
    await page.screenshot({ path: join(SCREENSHOTS, `reports-${width}-first-screen.png`) });
    expect(await page.getByRole('img', { name: 'Episodes by month and locality' }).isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: /Acknowledgement rate by organisation/ }).isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'Episodes by risk' }).isVisible()).toBe(true);
    // Reflow (WCAG 1.4.10): the page itself never scrolls sideways; wide tables and charts scroll in their own region.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Every chart label as drawn on screen: its font size times the chart's scale.
    const smallestText = await page.evaluate(() =>
      Math.min(...[...document.querySelectorAll<SVGTextElement>('svg.chart text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement!.getScreenCTM()!.a)),
    );
    expect(smallestText).toBeGreaterThanOrEqual(10);
    expect(watch.cspViolations()).toEqual([]);
    await expectAccessible(page);
  }, 180_000);

  it('prints every row of the long tables, without the navigation, the form or the disclosures', async () => {
    // A4 at 96 dpi, less the browser's default margins (10 mm a side).
    const page = await browser.newPage({ viewport: { width: 718, height: 1047 }, javaScriptEnabled: false });
    await signIn(page);
    await page.goto(`${app.url}/dashboard/reports?${YEAR}`, { waitUntil: 'load' });
    const long = page.locator('details.report-details table.report-table');
    expect(await long.count()).toBeGreaterThanOrEqual(3);
    const lastRowsShown = async () => Promise.all((await long.all()).map((table) => table.locator('tbody tr').last().isVisible()));
    // On screen the long tables wait behind their disclosure.
    expect(await lastRowsShown()).toEqual(Array(await long.count()).fill(false));

    await page.emulateMedia({ media: 'print' });
    expect(await lastRowsShown()).toEqual(Array(await long.count()).fill(true));
    const weeks = page.getByRole('table', { name: /Time from the police report/ });
    expect(await weeks.locator('tbody tr').count()).toBe(53);
    expect(await weeks.locator('tbody tr').nth(26).isVisible()).toBe(true);
    // Nothing wider than the paper: what runs off the side of a printed page is lost.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Only the table of a column a locality prints its headings upwards.
    expect(await page.locator('table.report-table.wide').count()).toBe(1);
    for (const hidden of ['.site-header', 'form.report-range', '.csv-link', 'details.report-details > summary']) {
      expect(await page.locator(hidden).first().isVisible(), hidden).toBe(false);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'reports-print.png'), fullPage: true });
  }, 180_000);

  it('records a return home interview from the episode page, a plain form without JavaScript', async () => {
    // Episode 44 (9 October): found, its interview not recorded (44 mod 3 = 2).
    const [episode] = (await app.stores.episodes.openedBetween(Date.parse('2026-10-01'), Date.parse('2026-11-01'))).filter((e) => e.policeReference.endsWith('-44'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    const watch = watchConsole(page);
    await signIn(page);
    await page.goto(`${app.url}/dashboard/episodes/${episode!.episodeId}`, { waitUntil: 'load' });
    await expectAccessible(page);
    await Promise.all([page.waitForURL(`${app.url}/dashboard/episodes/${episode!.episodeId}`), page.getByRole('button', { name: 'Record the return home interview as done' }).click()]);
    expect(await page.getByRole('heading', { level: 2, name: 'Return home interview done' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /Record the return home interview/ }).count()).toBe(0);
    expect(watch.cspViolations()).toEqual([]);
  }, 180_000);

  it('opens the audited repeated-children list from the report, with links to each episode', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await page.goto(`${app.url}/dashboard/reports?${YEAR}`, { waitUntil: 'load' });
    await Promise.all([page.waitForURL(/\/dashboard\/reports\/repeated/), page.getByRole('link', { name: /See who/ }).click()]);
    expect(await page.getByRole('heading', { level: 2, name: 'Avery Ashbrook' }).isVisible()).toBe(true);
    // Avery (3), Bryn (4), Elspeth (3) and Orla (3): see the rules in src/reports/sample-history.ts.
    expect(await page.getByRole('link', { name: /NP-SAMPLE-/ }).count()).toBe(13);
    await page.screenshot({ path: join(SCREENSHOTS, 'reports-repeated-1280.png'), fullPage: true });
    await expectAccessible(page);
  }, 180_000);
});
