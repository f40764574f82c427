import { createTransport, type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailSink, type MailSink } from '../../../src/platform/mail-sink';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';

/*
 * SPEC §9: the caught-mail page in development shows each message newest first, 20 a page, with
 * its HTML part framed from its own strictly-sandboxed route (never inline) and its text part.
 */

let sink: MailSink;
let app: TestApp;
let mailer: Transporter;
let cookie: string;

const HOSTILE_SUBJECT = '<b>Bold</b> & "quoted" subject';
const HOSTILE_HTML = '<p style="color:#1d4f91">HTML-PART-MARKER</p><script>document.title="ran"</script><img src="x" onerror="alert(1)">';

beforeAll(async () => {
  sink = await startMailSink();
  app = await startTestApp({ mailSink: sink });
  cookie = await signIn(app, 'mash');
  mailer = createTransport(sink.url);
  // Sent one after another, so the sink's order is known: Message 1 is the oldest.
  await mailer.sendMail({ from: 'endeavor@localhost', to: 'dsl@school-990001.endeavor.test', subject: HOSTILE_SUBJECT, text: 'The <text> part & more', html: HOSTILE_HTML });
  for (let n = 1; n <= 24; n++) {
    await mailer.sendMail({ from: 'endeavor@localhost', to: `dsl-${n}@school.endeavor.test`, subject: `Message ${n}`, text: `Text of message ${n}`, html: `<p>HTML of message ${n}</p>` });
  }
}, 60_000);
afterAll(async () => {
  mailer?.close();
  await app?.close();
  await sink?.close();
});

const get = (path: string, withCookie = true) => fetch(app.url + path, { headers: withCookie ? { cookie } : {}, redirect: 'manual' });
const subjectsOf = (page: string) => [...page.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1]);
const olderLink = (page: string) => /href="(\/dashboard\/mail\?after=[^"]+)" rel="next"/.exec(page)?.[1]?.replace(/&amp;/g, '&');

describe('the caught-mail page', () => {
  it('shows 20 messages newest first, then the rest on the older page', async () => {
    const first = await get('/dashboard/mail');
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(subjectsOf(page)).toEqual(Array.from({ length: 20 }, (_, i) => `Message ${24 - i}`));
    expect(page).toContain('Messages 1 to 20 of 25, newest first.');
    expect(page).toContain('dsl-24@school.endeavor.test');
    expect(page).toContain('<pre>Text of message 24</pre>');
    expect(page).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(page).not.toContain('Newer messages');

    const older = await (await get(olderLink(page)!)).text();
    expect(subjectsOf(older)).toEqual(['Message 4', 'Message 3', 'Message 2', 'Message 1', '&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; subject']);
    expect(older).toContain('Messages 21 to 25 of 25, newest first.');
    expect(older).toContain('Newer messages');
    expect(olderLink(older)).toBeUndefined();
  });

  it('escapes the message in the page and frames its HTML part from its own sandboxed route', async () => {
    const caught = sink.messages().find((m) => m.subject === HOSTILE_SUBJECT)!;
    const page = await (await get(`/dashboard/mail?after=${sink.messages()[20]!.id}`)).text();
    expect(page).not.toContain('<b>Bold</b>');
    expect(page).not.toContain('HTML-PART-MARKER');
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('onerror');
    expect(page).toContain('<pre>The &lt;text&gt; part &amp; more</pre>');
    expect(page).toContain(`<iframe class="mail-html" sandbox src="/dashboard/mail/${caught.id}/html" title="HTML part of: &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; subject"></iframe>`);

    const part = await get(`/dashboard/mail/${caught.id}/html`);
    expect(part.status).toBe(200);
    expect(part.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await part.text()).toContain(HOSTILE_HTML);
    const policy = (part.headers.get('content-security-policy') ?? '').split(';').sort();
    expect(policy).toEqual(
      ["default-src 'none'", "style-src 'unsafe-inline'", 'img-src data:', "base-uri 'none'", "form-action 'none'", "frame-ancestors 'self'", 'sandbox'].sort(),
    );
    expect(part.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(part.headers.get('cache-control')).toBe('no-store');
  });

  it('widens the page policy only by frame-src self, on this page alone', async () => {
    const directives = (res: Response) => (res.headers.get('content-security-policy') ?? '').split(';').sort();
    const mail = directives(await get('/dashboard/mail'));
    const board = directives(await get('/dashboard'));
    expect(mail).toEqual([...board, "frame-src 'self'"].sort());
    expect(board.join(';')).not.toContain('frame-src');
    expect(mail.join(';')).not.toContain('unsafe');
  });

  it('lets only signed-in staff read a part, and answers 404 for an unknown one', async () => {
    const id = sink.messages()[0]!.id;
    const signedOut = await get(`/dashboard/mail/${id}/html`, false);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe('/login');
    const unknown = await get('/dashboard/mail/00000000-0000-4000-8000-000000000000/html');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-frame-options')).toBe('DENY');
  });

  it('writes an audit entry for each view of the page', async () => {
    await get('/dashboard/mail');
    const entry = (await app.stores.audit.recent(5)).find((e) => e.action === 'dev-mail.view');
    expect(entry).toMatchObject({ subject: 'sink', detail: 'messages 1 to 20 of 25' });
    expect(entry!.actor).toMatch(/^mash:mash-.*@endeavor\.test$/);
  });

  it('shows no caught mail, on the page or through the API, when the view cannot be audited (503)', async () => {
    await app.redis.set(app.stores.audit.key, 'not a stream'); // XADD is refused on a string
    try {
      for (const path of ['/dashboard/mail', '/api/v1/dev/mail']) {
        const res = await get(path);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after'), path).toBe('5');
        expect(await res.text(), path).not.toContain('school.endeavor.test');
      }
    } finally {
      await app.redis.del(app.stores.audit.key);
    }
  });
});
