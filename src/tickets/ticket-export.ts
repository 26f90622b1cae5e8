import { stringify } from 'csv-stringify/sync';
import type { TicketListRow } from './ticket-list.repo';
import { formatTrackingId } from './tracking-id';

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage return)
 * gets a leading apostrophe, so an exported subject like "=HYPERLINK(...)" stays text.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function ticketsCsv(rows: TicketListRow[]): string {
  const header = ['tracking_id', 'subject', 'customer_name', 'customer_email', 'category', 'tier', 'status', 'priority', 'owner', 'updated_at'];
  const body = rows.map((r) => [
    formatTrackingId(r.trackingId), r.subject, r.customerName, r.customerEmail, r.categoryName, String(r.tier), r.statusKey, r.priorityKey, r.ownerName ?? '', new Date(r.updatedAt).toISOString(),
  ].map(neutralise));
  // A byte-order mark, so spreadsheet programs read the file as UTF-8.
  return `\ufeff${stringify([header, ...body])}`;
}
