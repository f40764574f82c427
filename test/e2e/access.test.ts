import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type TestBrowser } from '../helpers/browser';
import { uniqueId } from '../helpers/factories';
import { ROOT } from '../helpers/process';

/* SPEC §8 access in a real browser: the users page, the own account, TOTP enrolment with its QR code, sign-in with a code. */

const SCREENSHOTS = join(ROOT, 'test-results');
const PASSWORD = 'correct horse battery staple (fictional)';

let app: TestApp;
let browser: TestBrowser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  browser = await launchBrowser();
}, 120_000);
afterEach(async () => {
  await browser?.closeContexts();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
}, 60_000);

async function expectAccessible(page: Page, shot: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `access-${shot}.png`), fullPage: true });
  const violations = await checkAccessibility(page);
  expect(describeViolations(violations), `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`).toEqual([]);
  expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
}

async function signInThroughForm(page: Page, email: string, code?: string) {
  await page.goto(`${app.url}/login`, { waitUntil: 'load' });
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  if (code) await page.getByLabel('One-time code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

describe('access pages in a real browser', () => {
  it('an admin adds a user on the users page; pages pass WCAG 2.1 AA under the CSP', async () => {
    const email = `admin-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await app.users.createUser({ email, name: 'Sample Admin', role: 'admin', password: PASSWORD }, new Date());
    const page = await browser.newPage();
    const watch = watchConsole(page);
    await signInThroughForm(page, email);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(`${app.url}/dashboard/users`);
    await expectAccessible(page, 'users');

    const invited = `invited-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await page.getByLabel('Email address').fill(invited);
    await page.getByLabel('Name', { exact: true }).fill('Sample Invitee');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').innerText()).toContain('Sample Invitee has been added.');
    await expectAccessible(page, 'users-added');
    expect((await app.users.get(invited))?.name).toBe('Sample Invitee');

    // A lost phone: the invitee has TOTP now; the admin resets it from the same page.
    await app.users.modify(invited, (u) => ({ ...u, totp: { secret: 'v1.sealed', lastStep: 0 } }));
    await page.goto(`${app.url}/dashboard/users`, { waitUntil: 'load' });
    await expectAccessible(page, 'users-with-totp');
    await page.getByRole('button', { name: 'Reset the one-time codes of Sample Invitee' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').innerText()).toContain('Sample Invitee: one-time codes reset');
    expect((await app.users.get(invited))?.totp).toBeUndefined();
    expect(watch.cspViolations()).toEqual([]);
  }, 60_000);

  it('a user sets up TOTP from the QR page (secret shown in text), keeps the recovery codes, and signs in with a code', async () => {
    const email = `mash-${uniqueId('u').toLowerCase()}@endeavor.test`;
    await app.users.createUser({ email, name: 'Sample Worker', role: 'mash', password: PASSWORD }, new Date());
    const page = await browser.newPage();
    const watch = watchConsole(page);
    await signInThroughForm(page, email);
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.waitForURL(`${app.url}/account`);
    await expectAccessible(page, 'account');
    await page.getByRole('link', { name: 'set them up' }).click();
    await page.waitForURL(`${app.url}/account/totp`);
    expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible()).toBe(true);
    await expectAccessible(page, 'totp');
    const secret = (await page.locator('code.secret').innerText()).replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('One-time codes are set up');
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await expectAccessible(page, 'recovery-codes');
    const recovery = (await page.locator('.recovery-codes li').first().innerText()).trim();
    expect(watch.cspViolations()).toEqual([]);

    await browser.closeContexts();
    const again = await browser.newPage();
    await signInThroughForm(again, email);
    expect(new URL(again.url()).pathname).toBe('/login');
    expect(await again.getByRole('alert').innerText()).toContain('password or code is not right');
    await signInThroughForm(again, email, recovery);
    expect(new URL(again.url()).pathname).toBe('/dashboard');
  }, 90_000);
});
