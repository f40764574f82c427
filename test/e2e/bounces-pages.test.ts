import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../src/delivery/delivery.store';
import { signIn, startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, type TestBrowser } from '../helpers/browser';
import { contact, school, seedDirectory } from '../helpers/directory';
import { uniqueId } from '../helpers/factories';
import { ROOT } from '../helpers/process';

/*
 * The dashboard's view of bounces in a real browser: a bounced delivery on the failed list with
 * its Retry button, and the directory page's "Contacts to correct", both held to WCAG 2.1 AA.
 */

const SCREENSHOTS = join(ROOT, 'test-results');
const DSL = 'dsl@school-990001.endeavor.test';
const GONE = 'left@school-990001.endeavor.test';
const LAST_ERROR = 'BOUNCED 5.1.1: 550 5.1.1 <address>: Recipient address rejected: User unknown';

let app: TestApp;
let browser: TestBrowser;
let deliveryId: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  const dsl = contact('Fictional DSL', 'dsl', DSL);
  const gone = contact('Fictional Leaver', 'deputy', GONE, { active: false });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990001', { contacts: [dsl, gone] })]);

  // A direct alert the relay accepted and the school's server then refused.
  deliveryId = `dl_${randomBytes(12).toString('hex')}`;
  const episodeId = `ep_${randomBytes(12).toString('hex')}`;
  const delivery: NewDelivery = {
    deliveryId,
    eventUid: uniqueId('uid'),
    eventId: uniqueId('ev'),
    episodeId,
    feedId: 'northumbria-test',
    kind: 'alert',
    audience: 'direct',
    organisation: { type: 'school', id: '990001', name: 'Fictional School 990001' },
    contact: { contactId: dsl.contactId, name: dsl.name, email: DSL, role: 'dsl' },
    threadOf: null,
    asOf: null,
    ackable: true,
    risk: 'high',
    priority: 1,
    status: 'pending',
  };
  const store = app.stores.deliveries;
  const now = new Date();
  await store.create(delivery, now, 'created');
  await store.transition(deliveryId, 'sending', now, { detail: 'attempt 1', countAttempt: true });
  await store.transition(deliveryId, 'sent', now, { detail: '250 OK', fields: { sentAt: now.toISOString() } });
  await store.transition(deliveryId, 'bounced', now, { detail: LAST_ERROR, fields: { lastError: LAST_ERROR } });
  const organisation = { type: 'school' as const, id: '990001', name: 'Fictional School 990001' };
  await app.stores.dataQuality.flag({ organisation, contactId: dsl.contactId, role: 'dsl', lastError: LAST_ERROR, at: now.toISOString(), deliveryId, episodeId });
  await app.stores.dataQuality.flag({
    organisation,
    contactId: gone.contactId,
    role: 'deputy',
    lastError: 'BOUNCED 5.2.2: 552 mailbox full',
    at: new Date(now.getTime() - 3600_000).toISOString(),
    deliveryId: `dl_${randomBytes(12).toString('hex')}`,
    episodeId,
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
}, 60_000);

async function signedInPage(): Promise<Page> {
  const cookie = (await signIn(app, 'mash')).split('=');
  const page = await browser.newPage();
  await page.context().addCookies([{ name: cookie[0]!, value: cookie.slice(1).join('='), url: app.url }]);
  return page;
}

async function expectAccessible(page: Page, shot: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${shot}.png`), fullPage: true });
  const violations = await checkAccessibility(page);
  expect(describeViolations(violations), `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`).toEqual([]);
}

describe('bounces on the dashboard', () => {
  it('lists a bounced delivery among the failed ones, with its error and a Retry button', async () => {
    const page = await signedInPage();
    expect((await page.goto(`${app.url}/dashboard/failed`, { waitUntil: 'load' }))?.status()).toBe(200);
    const row = page.locator('table.deliveries tbody tr', { hasText: 'Fictional School 990001' });
    expect(await row.locator('.tag').innerText()).toBe('bounced');
    expect(await row.innerText()).toContain(LAST_ERROR);
    expect(await row.getByRole('button', { name: /^Retry/ }).count()).toBe(1);
    // Nobody received it: there is nothing to acknowledge.
    expect(await row.innerText()).not.toContain('Acknowledged');
    await expectAccessible(page, 'failed-bounced');
  }, 60_000);

  it('shows the contacts to correct on the directory page, newest first, with who is no longer active', async () => {
    const page = await signedInPage();
    expect((await page.goto(`${app.url}/dashboard/directory`, { waitUntil: 'load' }))?.status()).toBe(200);
    const rows = page.locator('table.contacts-to-correct tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).innerText()).toContain('Fictional DSL');
    expect(await rows.nth(0).innerText()).toContain(LAST_ERROR);
    expect(await rows.nth(1).innerText()).toContain('no longer active in the directory');
    expect(await rows.nth(1).innerText()).not.toContain('Fictional Leaver');
    await expectAccessible(page, 'directory-contacts-to-correct');
  }, 60_000);
});
