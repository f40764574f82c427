import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAckToken } from '../../src/ack/ack-token';
import { TEST_SECRET, startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type TestBrowser } from '../helpers/browser';
import { contact, practice, school, seedDirectory } from '../helpers/directory';
import { reportedEvent } from '../helpers/factories';
import { ROOT } from '../helpers/process';
import { startTestSmtp, type CaughtMail, type TestSmtp } from '../helpers/smtp-server';

/*
 * SPEC §7 in a real browser: the acknowledgement link from a real alert email, opened in
 * Chromium with JavaScript disabled, confirmed with the keyboard, checked with axe-core.
 */

const DSL = 'dsl@school-990001.endeavor.test';
const DEPUTY = 'deputy@school-990001.endeavor.test';
const GP_LEAD = 'lead@gp-y90001.endeavor.test';
/** Long enough, and with words long enough, to need wrapping on a phone. */
const LONG_PRACTICE_NAME = 'The Fictional Northumberland Riverside Medical Practice and Community Health Centre, Alnwick';
const SCREENSHOTS = join(ROOT, 'test-results');
const ORGANISATION = 'Fictional School 990001';

let smtp: TestSmtp;
let app: TestApp;
let browser: TestBrowser;
let report: ReturnType<typeof reportedEvent>;
let alerts: CaughtMail[];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  smtp = await startTestSmtp();
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    // Nothing in this file may be escalated or reminded while a page is open.
    env: { SCHOOL_HOURS: 'always', ACK_DEADLINE_SECONDS: '86400', REMINDER_INTERVAL_HOURS: '0' },
  });
  await seedDirectory(app.redis, app.config.queuePrefix, [
    school('990001', {
      locality: 'Alnwick',
      contacts: [contact('Fictional DSL', 'dsl', DSL), contact('Fictional Deputy', 'deputy', DEPUTY)],
    }),
    practice('Y90001', { locality: 'Alnwick', name: LONG_PRACTICE_NAME }),
  ]);
  report = reportedEvent({ child: { ...reportedEvent().child, postcodeDistrict: 'NE66' } });
  const posted = await app.post('/api/v1/events', report);
  expect(posted.status).toBe(202);
  alerts = await smtp.waitFor((mails) => [DSL, DEPUTY, GP_LEAD].every((to) => mails.some((m) => m.to[0] === to && m.subject.includes(report.policeReference))), 20_000);
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

/** The link as the email carries it, moved onto the test app's origin (PUBLIC_BASE_URL is a placeholder). */
function ackUrlFor(recipient: string): { url: string; deliveryId: string } {
  const mail = alerts.find((m) => m.to[0] === recipient && m.subject.includes(report.policeReference));
  const link = /https?:\/\/\S+?(\/ack\/(dl_[0-9a-f]{24})\.[^\s"<>]+)/.exec(mail?.text ?? '');
  if (!link) throw new Error(`no acknowledgement link in the alert to ${recipient}`);
  return { url: app.url + link[1]!, deliveryId: link[2]! };
}

async function expectNoAxeViolations(page: Page) {
  const violations = await checkAccessibility(page);
  expect(describeViolations(violations), `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`).toEqual([]);
}

function expectStrictCsp(response: Response | null) {
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/(^|;)\s*default-src 'none'/);
  expect(csp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
  expect(csp).toMatch(/(^|;)\s*style-src 'self'(;|$)/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');
}

/** Which element has the keyboard focus, by its id or its text. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || document.activeElement?.tagName);

async function submit(page: Page, url: string, action: () => Promise<void>): Promise<Response> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url() === url && r.request().method() === 'POST'), action()]);
  await page.waitForLoadState('load');
  return response;
}

describe('the acknowledgement page in a browser without JavaScript', () => {
  it('confirms receipt with an answer for police, shows no personal data of the child and breaks no CSP rule', async () => {
    const { url, deliveryId } = ackUrlFor(DSL);
    const page = await browser.newPage({ javaScriptEnabled: false });
    const logged = watchConsole(page);

    const opened = await page.goto(url, { waitUntil: 'load' });
    expect(opened?.status()).toBe(200);
    expectStrictCsp(opened);
    await expect(page.title()).resolves.toBe('Confirm receipt – Operation Endeavor');
    const main = await page.locator('main').innerText();
    expect(main).toContain(report.policeReference);
    expect(main).toContain(ORGANISATION);
    const source = await page.content();
    for (const personal of [report.child.givenName, report.child.dateOfBirth, '14/05/2013', '14 May 2013', report.child.description, report.lastSeen.area]) {
      expect(source).not.toContain(personal);
    }
    // The stylesheet applied (it is the only way the page can be styled under this CSP).
    expect(await page.locator('.site-header').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(11, 12, 12)');
    // Opening the page changed nothing: mail scanners open links too.
    expect((await app.stores.deliveries.get(deliveryId))?.acknowledgedAt).toBeNull();

    // The keyboard reaches every control, in reading order, and the button last.
    const order: unknown[] = [];
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    expect(order).toEqual(['Skip to main content', 'inSchoolToday', 'note', 'Confirm receipt']);
    await page.screenshot({ path: join(SCREENSHOTS, 'ack-form.png'), fullPage: true });
    await expectNoAxeViolations(page);

    const note = 'Seen at the school gate at 08:40 (fictional).';
    await page.getByLabel('A short note for police (optional)').fill(note);
    await page.getByText('The child is in school today', { exact: true }).click();
    expect(await page.getByRole('checkbox', { name: 'The child is in school today' }).isChecked()).toBe(true);
    const confirmed = await submit(page, url, () => page.getByRole('button', { name: 'Confirm receipt' }).click());

    expect(confirmed.status()).toBe(200);
    expectStrictCsp(confirmed);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Receipt confirmed');
    expect(await page.getByRole('status').innerText()).toContain(report.policeReference);
    await page.screenshot({ path: join(SCREENSHOTS, 'ack-confirmed.png'), fullPage: true });
    await expectNoAxeViolations(page);

    const delivery = await app.stores.deliveries.get(deliveryId);
    expect(delivery?.acknowledgedAt).not.toBeNull();
    expect(delivery?.acknowledgement).toEqual({ inSchoolToday: true, note });
    expect(logged.cspViolations()).toEqual([]);

    // Opened again: it says the answer was received (it is taken once), and is still accessible.
    await page.goto(url, { waitUntil: 'load' });
    expect(await page.locator('main .panel').innerText()).toMatch(/^Your answer was received at /);
    expect(await page.locator('textarea').count()).toBe(0);
    await expectNoAxeViolations(page);
    expect(logged.cspViolations()).toEqual([]);
  }, 90_000);

  it('confirms receipt with the keyboard alone: the skip link, Space to tick the box, Enter to press the button', async () => {
    const { url, deliveryId } = ackUrlFor(DEPUTY);
    const page = await browser.newPage({ javaScriptEnabled: false });
    const logged = watchConsole(page);
    await page.goto(url, { waitUntil: 'load' });

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('inSchoolToday');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('note');
    await page.keyboard.type('Not in today (fictional).');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Confirm receipt');
    const confirmed = await submit(page, url, () => page.keyboard.press('Enter'));

    expect(confirmed.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Receipt confirmed');
    const delivery = await app.stores.deliveries.get(deliveryId);
    expect(delivery?.acknowledgedAt).not.toBeNull();
    expect(delivery?.acknowledgement).toEqual({ inSchoolToday: true, note: 'Not in today (fictional).' });
    expect(logged.cspViolations()).toEqual([]);
  }, 90_000);

  it('fits a 320 px wide screen without scrolling sideways (WCAG 1.4.10 reflow)', async () => {
    const { url } = ackUrlFor(GP_LEAD);
    const page = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
    // How far the page, or any line of its text, sticks out past the right edge of the screen.
    const overflow = () =>
      page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        let right = document.documentElement.scrollWidth;
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent?.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const rect of range.getClientRects()) right = Math.max(right, rect.right);
        }
        return Math.max(0, Math.ceil(right - width));
      });
    await page.goto(url, { waitUntil: 'load' });
    expect(await page.locator('main').innerText()).toContain(LONG_PRACTICE_NAME);
    await page.screenshot({ path: join(SCREENSHOTS, 'ack-form-320.png'), fullPage: true });
    expect(await overflow()).toBe(0);
    await submit(page, url, () => page.getByRole('button', { name: 'Confirm receipt' }).click());
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Receipt confirmed');
    expect(await overflow()).toBe(0);
  }, 90_000);

  it('answers a bad token and an expired one with plain accessible pages', async () => {
    const { url, deliveryId } = ackUrlFor(DSL);
    const expired = createAckToken(TEST_SECRET, deliveryId, new Date(Date.now() - 15 * 24 * 3600_000));
    const cases = [
      { url: `${app.url}/ack/not-a-token`, status: 404, heading: 'Link not recognised', shot: 'ack-not-found.png' },
      { url: url.slice(0, -2) + (url.endsWith('AA') ? 'BB' : 'AA'), status: 404, heading: 'Link not recognised', shot: undefined },
      { url: `${app.url}/ack/${expired}`, status: 410, heading: 'Link expired', shot: 'ack-expired.png' },
    ];
    for (const bad of cases) {
      const page = await browser.newPage({ javaScriptEnabled: false });
      const logged = watchConsole(page);
      const response = await page.goto(bad.url, { waitUntil: 'load' });
      expect(response?.status()).toBe(bad.status);
      expect(response?.headers()['content-type']).toMatch(/^text\/html/);
      expectStrictCsp(response);
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(bad.heading);
      expect(await page.locator('form').count()).toBe(0);
      if (bad.shot) await page.screenshot({ path: join(SCREENSHOTS, bad.shot), fullPage: true });
      await expectNoAxeViolations(page);
      expect(logged.cspViolations()).toEqual([]);
    }
  }, 90_000);

  it('would see a CSP violation: the page’s policy blocks inline style and the watcher reports it', async () => {
    // Guards the assertions above against passing vacuously.
    const { url } = ackUrlFor(DSL);
    const csp = (await fetch(url)).headers.get('content-security-policy')!;
    const page = await browser.newPage({ javaScriptEnabled: false });
    const logged = watchConsole(page);
    const probe = `${app.url}/ack/csp-probe`;
    await page.route(probe, (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp },
        body: '<!doctype html><html lang="en"><title>probe</title><style>p { color: red }</style><p style="color: red">probe</p></html>',
      }),
    );
    await page.goto(probe, { waitUntil: 'load' });
    await expect.poll(() => logged.cspViolations().length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(await page.locator('p').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(0, 0, 0)');
  }, 60_000);
});
