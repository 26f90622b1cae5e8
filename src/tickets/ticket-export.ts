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

/** A custom field as the export shows it: its label heads a column of the tickets' values. */
export type ExportField = { id: number; label: string };

export function ticketsCsv(
  rows: TicketListRow[],
  fields: ExportField[] = [],
  values = new Map<number, Map<number, string>>(),
): string {
  const header = [
    'tracking_id',
    'subject',
    'customer_name',
    'customer_email',
    'category',
    'tier',
    'status',
    'priority',
    'owner',
    'updated_at',
    ...fields.map((f) => f.label),
  ];
  const body = rows.map((r) => [
    formatTrackingId(r.trackingId),
    r.subject,
    r.customerName,
    r.customerEmail,
    r.categoryName,
    String(r.tier),
    r.statusKey,
    r.priorityKey,
    r.ownerName ?? '',
    new Date(r.updatedAt).toISOString(),
    ...fields.map((f) => values.get(r.id)?.get(f.id) ?? ''),
  ]);
  // A byte-order mark, so spreadsheet programs read the file as UTF-8.
  return `\ufeff${stringify([header, ...body].map((line) => line.map(neutralise)))}`;
}
