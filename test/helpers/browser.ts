import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as AxeCore from 'axe-core';
import type { Result as AxeResult } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright-core';

/*
 * Browser tests drive the system Chromium through playwright-core: never a downloaded browser.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The WCAG 2.1 A and AA rules (SPEC §7: pages meet WCAG 2.1 AA). */
export const WCAG_21_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export type TestBrowser = {
  browser: Browser;
  /** A page in a fresh context (own cookies, storage and options): one per test. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** Closes the contexts opened so far (call in afterEach); the browser stays up. */
  closeContexts(): Promise<void>;
  /** Closes every context and the browser (call in afterAll). */
  close(): Promise<void>;
};

/** Whether a context runs page scripts: axe cannot run inside one that does not. */
const scriptsEnabled = new WeakMap<BrowserContext, boolean>();

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
  const contexts = new Set<BrowserContext>();
  const closeContexts = async () => {
    const open = [...contexts];
    contexts.clear();
    await Promise.all(open.map((context) => context.close().catch(() => {})));
  };
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, ...options });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(20_000);
      scriptsEnabled.set(context, options.javaScriptEnabled ?? true);
      contexts.add(context);
      return context.newPage();
    },
    closeContexts,
    async close() {
      await closeContexts();
      await browser.close().catch(() => {});
    },
  };
}

export type ConsoleWatch = {
  readonly messages: { type: string; text: string }[];
  /** What Chromium reported as blocked by the page's Content-Security-Policy. */
  cspViolations(): string[];
};

/**
 * Collects the console of a page, including what Chromium itself logs (a CSP violation is
 * logged even with JavaScript disabled). Attach before the first navigation.
 */
export function watchConsole(page: Page): ConsoleWatch {
  const messages: { type: string; text: string }[] = [];
  page.on('console', (message: ConsoleMessage) => messages.push({ type: message.type(), text: message.text() }));
  return {
    messages,
    cspViolations: () => messages.map((m) => m.text).filter((text) => /Content[- ]Security[- ]Policy/i.test(text)),
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function runAxe(page: Page): Promise<AxeResult[]> {
  // page.evaluate goes through DevTools, so the page's CSP (no inline script) does not stop it.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: typeof AxeCore }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    // Only plain data crosses back: the node's element is dropped.
    return results.violations.map((v) => ({ ...v, nodes: v.nodes.map(({ element: _element, ...node }) => node) }));
  }, WCAG_21_AA_TAGS);
}

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on what the page shows now and returns the violations.
 *
 * With JavaScript disabled the page runs no timers, and axe needs them: the page's current
 * document is then audited in a scripted twin, a fresh context of the same browser where the
 * same URL answers with the same HTML (stylesheets and images still come from the server).
 */
export async function checkAccessibility(page: Page): Promise<AxeResult[]> {
  if (scriptsEnabled.get(page.context()) !== false) return runAxe(page);
  const browser = page.context().browser();
  if (!browser) throw new Error('checkAccessibility: the page has no browser');
  const url = page.url();
  const snapshot = await page.content();
  const context = await browser.newContext({ viewport: page.viewportSize() ?? { width: 1024, height: 768 }, javaScriptEnabled: true });
  try {
    const twin = await context.newPage();
    await twin.route(
      (requested) => requested.href === url,
      (route) =>
        route.request().resourceType() === 'document'
          ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: snapshot })
          : route.continue(),
    );
    await twin.goto(url, { waitUntil: 'load', timeout: 20_000 });
    return await runAxe(twin);
  } finally {
    await context.close().catch(() => {});
  }
}

/** Violations as short lines for an assertion message: rule, impact, help, and each element with what axe found. */
export function describeViolations(violations: AxeResult[]): string[] {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => {
      const finding = [...n.any, ...n.all, ...n.none][0]?.message;
      return finding ? `${n.target.join(' ')} [${finding}]` : n.target.join(' ');
    });
    return `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${nodes.join(', ')}`;
  });
}
