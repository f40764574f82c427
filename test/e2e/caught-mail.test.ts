import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMailSink, type MailSink } from '../../src/platform/mail-sink';
import { signIn, startTestApp, type TestApp } from '../helpers/app';
import { checkAccessibility, describeViolations, launchBrowser, watchConsole, type TestBrowser } from '../helpers/browser';
import { contact, school, seedDirectory } from '../helpers/directory';
import { reportedEvent, uniqueId } from '../helpers/factories';
import { ROOT } from '../helpers/process';

/*
 * SPEC §9 in a real browser: a real alert, caught by the development sink, shows on the
 * caught-mail page as the DSL would see it, in a sandboxed frame where no script of a mail runs,
 * under the strict page policy (plus frame-src 'self') and WCAG 2.1 AA.
 */

const SCREENSHOTS = join(ROOT, 'test-results');
const DSL = 'dsl@school-990101.endeavor.test';
const HOSTILE_SUBJECT = 'A mail that tries to run script';

let sink: MailSink;
let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  sink = await startMailSink();
  app = await startTestApp({ workers: true, smtpUrl: sink.url, mailSink: sink, env: { SCHOOL_HOURS: 'always' } });
  await seedDirectory(app.redis, app.config.queuePrefix, [school('990101', { contacts: [contact('Fictional DSL', 'dsl', DSL)] })]);
  browser = await launchBrowser();
}, 120_000);
afterEach(async () => {
  await browser?.closeContexts();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await sink?.close();
}, 60_000);

describe('the caught-mail page in a browser', () => {
  it('shows a real alert in a sandboxed frame, runs no script of a mail, and passes axe with no CSP violation', async () => {
    const ref = uniqueId('NP-M');
    const child = reportedEvent().child;
    const posted = await app.post('/api/v1/events', reportedEvent({ policeReference: ref, child: { ...child, schoolUrn: '990101', gpOdsCode: undefined, postcodeDistrict: undefined } }));
    expect(posted.status).toBe(202);
    await vi.waitFor(() => expect(sink.messages().some((m) => m.subject.includes(ref))).toBe(true), { timeout: 20_000, interval: 100 });
    const alert = sink.messages().find((m) => m.subject.includes(ref))!;
    const mailer = createTransport(sink.url);
    await mailer.sendMail({
      from: 'someone@elsewhere.test',
      to: DSL,
      subject: HOSTILE_SUBJECT,
      text: 'Plain text.',
      html: '<p id="hostile">Nothing ran here.</p><script>document.getElementById("hostile").textContent = "SCRIPT RAN"; parent.postMessage("ran", "*"); alert(1)</script><img alt="" src="data:," onerror="document.body.textContent = \'HANDLER RAN\'">',
    });
    mailer.close();

    const page = await browser.newPage();
    const logged = watchConsole(page);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const cookie = (await signIn(app, 'mash')).split('=');
    await page.context().addCookies([{ name: cookie[0]!, value: cookie.slice(1).join('='), url: app.url }]);
    await page.goto(`${app.url}/dashboard/mail`, { waitUntil: 'load' });
    await page.evaluate(() => window.addEventListener('message', (e) => ((window as unknown as { fromFrame: unknown }).fromFrame = e.data)));

    // Newest first: the hostile mail, then the alert.
    expect(await page.locator('section.mail h2').allInnerTexts()).toEqual([HOSTILE_SUBJECT, alert.subject]);
    const alertSection = page.locator('section.mail', { hasText: alert.subject });
    await expect(alertSection.locator('dd').first().innerText()).resolves.toBe(DSL);
    const alertFrame = page.frameLocator(`iframe[src="/dashboard/mail/${alert.id}/html"]`);
    await expect(alertFrame.getByText(ref).first().isVisible()).resolves.toBe(true);
    await expect(alertFrame.getByRole('link', { name: /confirm/i }).first().count()).resolves.toBeGreaterThan(0);
    // The HTML of the mail lives in the frame, not in the page.
    expect(await page.locator('main').evaluate((main) => main.querySelectorAll('a[href*="/ack/"]').length)).toBe(0);

    const hostileFrame = page.frameLocator(`iframe[src="/dashboard/mail/${sink.messages()[0]!.id}/html"]`);
    await expect(hostileFrame.locator('#hostile').innerText()).resolves.toBe('Nothing ran here.');
    // Chromium says why nothing ran: the sandbox refused the script element and the handler (it may
    // say so more than once, e.g. when it loads the frame again on a slow machine).
    const blocked = () => logged.messages.filter((m) => /^Blocked script execution .* sandboxed/.test(m.text)).length;
    await expect.poll(blocked).toBeGreaterThanOrEqual(2);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { fromFrame?: unknown }).fromFrame)).toBeUndefined();

    expect(alert.text).toContain(ref);
    // The text part sits under a native disclosure, closed while there is an HTML part.
    await expect(alertSection.locator('details > summary').innerText()).resolves.toBe('Text part');
    await expect(alertSection.locator('details > pre').textContent()).resolves.toBe(alert.text);

    await page.locator('section.mail').first().screenshot({ path: join(SCREENSHOTS, 'dashboard-caught-mail-hostile.png') });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-caught-mail.png'), fullPage: true });
    const violations = await checkAccessibility(page);
    expect(describeViolations(violations), 'WCAG 2.1 A/AA violations on /dashboard/mail').toEqual([]);
    expect(logged.cspViolations()).toEqual([]);
    expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
  });
});
