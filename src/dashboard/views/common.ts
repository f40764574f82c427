import type { Response } from 'express';
import { html, sendPage, type Html } from '../../platform/html';
import type { SessionUser } from '../../access/auth';
import { riskLabel } from '../board';

/** What every signed-in page needs to draw its header. */
export type PageContext = { user: SessionUser; path: string; hasMail: boolean };

const LINKS: { href: string; text: string; mailOnly?: boolean; adminOnly?: boolean }[] = [
  { href: '/dashboard', text: 'Board' },
  { href: '/dashboard/failed', text: 'Failed' },
  { href: '/dashboard/overdue', text: 'Overdue' },
  { href: '/dashboard/directory', text: 'Directory' },
  { href: '/dashboard/queues', text: 'Queues' },
  { href: '/dashboard/audit', text: 'Audit log' },
  { href: '/dashboard/export', text: 'Export' },
  { href: '/dashboard/reports', text: 'Reports' },
  { href: '/dashboard/mail', text: 'Caught mail', mailOnly: true },
  { href: '/dashboard/users', text: 'Users', adminOnly: true },
  { href: '/account', text: 'Your account' },
];

/** The hidden field that carries the session's CSRF token in every state-changing form. */
export const csrfField = (user: SessionUser) => html`<input type="hidden" name="csrf" value="${user.csrfToken}">`;

export function nav(context: PageContext): Html {
  const links = LINKS.filter((l) => (!l.mailOnly || context.hasMail) && (!l.adminOnly || context.user.role === 'admin')).map(
    (l) => html`<li><a href="${l.href}"${context.path === l.href ? html` aria-current="page"` : ''}>${l.text}</a></li>`,
  );
  return html`<nav class="site-nav" aria-label="Dashboard"><ul>${links}</ul></nav>
<form class="sign-out" method="post" action="/logout">${csrfField(context.user)}<span class="signed-in-as">${context.user.email}</span> <button class="button secondary small" type="submit">Sign out</button></form>`;
}

export function sendDashboardPage(res: Response, context: PageContext, title: string, body: Html, status = 200): void {
  sendPage(res, status, title, body, { nav: nav(context) });
}

const TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** An instant in UK local time, machine-readable too; a dash when absent. */
export const time = (iso: string | null | undefined) => (iso ? html`<time datetime="${iso}">${TIME.format(new Date(iso))}</time>` : html`<span class="none">–</span>`);

export const riskTag = (risk: string | null) => html`<span class="tag risk-${risk ?? 'none'}">${riskLabel(risk)}</span>`;

export const statusTag = (status: string) => html`<span class="tag ${status}">${status}</span>`;

/** A number that should catch the eye when it is not zero. */
export const alarm = (count: number) => (count > 0 ? html`<strong class="alarm">${count}</strong>` : html`${count}`);
