import type { DeliveryWithHistory } from '../../delivery/delivery.store';
import { html, type Html } from '../../platform/html';
import type { SessionUser } from '../../access/auth';
import { deliveriesTable } from './deliveries';

type ListPage = { deliveries: readonly DeliveryWithHistory[]; references: ReadonlyMap<string, string>; user: SessionUser };

const nextPage = (href: string | undefined, text: string) => (href ? html`<p><a href="${href}">${text}</a></p>` : '');

/** SPEC §8 work list: deliveries that failed for good or bounced, newest first, each with a retry button. */
export function failedView(page: ListPage & { older?: string | undefined }): Html {
  return html`<h1>Failed deliveries</h1>
<p>Messages the mail server refused for good, that ran out of attempts, or that the recipient's mail server sent back (bounced). Check the contact, then retry.</p>
${
  page.deliveries.length === 0
    ? html`<p class="panel">No failed deliveries.</p>`
    : deliveriesTable(page.deliveries, { user: page.user, back: '/dashboard/failed', references: page.references }, 'Failed deliveries, newest first')
}
${nextPage(page.older, 'Older failed deliveries')}`;
}

/** SPEC §8 work list: direct alerts sent and not acknowledged, with their deadline; escalated ones flagged. */
export function overdueView(page: ListPage & { deadlines: ReadonlyMap<string, Date>; now: Date; newer?: string | undefined }): Html {
  const late = page.deliveries.filter((d) => d.escalatedAt || (page.deadlines.get(d.deliveryId)?.getTime() ?? Infinity) <= page.now.getTime());
  return html`<h1>Not acknowledged</h1>
<p>Direct alerts sent and not yet acknowledged, oldest first. ${late.length} ${page.newer ? 'on this page ' : ''}${late.length === 1 ? 'is' : 'are'} past the deadline or escalated.</p>
${
  page.deliveries.length === 0
    ? html`<p class="panel">Every direct alert sent has been acknowledged.</p>`
    : deliveriesTable(page.deliveries, { user: page.user, back: '/dashboard/overdue', references: page.references, deadlines: page.deadlines }, 'Direct alerts not acknowledged, oldest first')
}
${nextPage(page.newer, 'More recent alerts not acknowledged')}`;
}
