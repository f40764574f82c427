import { withoutUnsafeText } from './text';
import type { Response } from 'express';

/**
 * Escapes text for HTML element content and quoted attribute values, and drops control and
 * bidirectional control characters, so that text stored before the rule that now refuses them
 * cannot re-order what a page shows.
 */
export function escapeHtml(value: string): string {
  return withoutUnsafeText(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const text = Array.isArray(value)
      ? value.map((v) => (v instanceof Html ? v.value : escapeHtml(String(v ?? '')))).join('')
      : value instanceof Html
        ? value.value
        : escapeHtml(String(value ?? ''));
    out += text + strings[i + 1]!;
  });
  return new Html(out);
}

/** The one page layout: a skip link, a header, main content (WCAG 2.1 AA basics). */
export function layout(title: string, body: Html, options: { nav?: Html } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Operation Endeavor</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><span class="site-name">Operation Endeavor</span>${options.nav ?? ''}</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`.value;
}

export function sendPage(res: Response, status: number, title: string, body: Html, options: { nav?: Html } = {}): void {
  res.status(status).type('html').send(layout(title, body, options));
}
