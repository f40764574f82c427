import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type TestBrowser } from '../helpers/browser';
import { ROOT } from '../helpers/process';

/* SPEC §3: /api/docs renders the OpenAPI document as a readable reference, under the strict CSP. */
const SCREENSHOTS = join(ROOT, 'test-results');
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  browser = await launchBrowser();
});
afterEach(async () => {
  await browser.closeContexts();
});
afterAll(async () => {
  await browser.close();
  await app.close();
});

describe('GET /api/docs', () => {
  it('shows every operation, the event schema and its examples, under the strict CSP, accessible, without JavaScript', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    const logged = watchConsole(page);
    const response = await page.goto(`${app.url}/api/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    expect(await page.title()).toContain('API reference');

    const document = (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const headings = await page.locator('.api-operation h3').allInnerTexts();
    const shown = new Set(headings.map((h) => h.replace(/\s+/g, ' ').trim()));
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) expect(shown, `${method} ${path}`).toContain(`${method.toUpperCase()} ${path}`);
    }
    const eventSchema = await page.locator('#schema-Event').innerText();
    expect(eventSchema).toContain('child.dateOfBirth');
    expect(eventSchema).toContain('missing.reported');
    const examples = await page.locator('#postApiV1Events details summary').allInnerTexts();
    expect(examples).toHaveLength(4);
    expect(logged.cspViolations()).toEqual([]);

    await page.screenshot({ path: join(SCREENSHOTS, 'api-docs.png'), fullPage: false });
    await page.locator('#postApiV1Events').screenshot({ path: join(SCREENSHOTS, 'api-docs-post-events.png') });
    // A long page: axe takes a while on a loaded machine.
    const violations = await checkAccessibility(page);
    expect(describeViolations(violations)).toEqual([]);
  }, 180_000);
});
