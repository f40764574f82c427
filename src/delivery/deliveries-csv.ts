import type { Delivery } from './delivery.store';

const COLUMNS = [
  'deliveryId', 'episodeId', 'eventId', 'kind', 'audience', 'organisationType', 'organisationId', 'organisationName',
  'contactName', 'contactEmail', 'contactRole', 'status', 'attempts', 'createdAt', 'sentAt', 'acknowledgedAt', 'escalatedAt', 'lastError',
] as const;

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The export's first line. */
export const CSV_HEADER = COLUMNS.join(',') + '\r\n';

/** Rows of the delivery log for audit (SPEC §6): one per delivery, no details of the child. */
export function deliveryRows(deliveries: Delivery[]): string {
  return deliveries
    .map(
      (d) =>
        [
          d.deliveryId, d.episodeId, d.eventId, d.kind, d.audience, d.organisation.type, d.organisation.id, d.organisation.name,
          d.contact.name, d.contact.email, d.contact.role, d.status, d.attempts, d.createdAt, d.sentAt, d.acknowledgedAt, d.escalatedAt, d.lastError,
        ]
          .map(csvCell)
          .join(',') + '\r\n',
    )
    .join('');
}

/** The whole delivery log for audit, header first. */
export function deliveriesCsv(deliveries: Delivery[]): string {
  return CSV_HEADER + deliveryRows(deliveries);
}
