import type { Knex } from 'knex';
import { ticketMailTemplates } from './delivery-state';
import { undeliveredStatuses } from './outbox.repo';

export type FailedTicketMail = {
  mailId: number;
  ticketId: number;
  trackingId: string;
  subject: string;
  toAddress: string;
  createdAt: number;
};

/**
 * The newest customer mails that were given up or bounced, on tickets in the categories a staff member
 * sees ('all' for admins): the dashboard's "mail not delivered" list. Only those rows are read
 * (the status index), then their tickets.
 */
export async function recentFailedCustomerMail(
  db: Knex,
  visible: number[] | 'all',
  opts: { since: number; limit: number },
): Promise<FailedTicketMail[]> {
  if (visible !== 'all' && visible.length === 0) return [];
  const q = db('mail_outbox as m')
    .join('tickets as t', 't.id', 'm.ticket_id')
    .whereIn('m.status', undeliveredStatuses)
    .whereIn('m.template', ticketMailTemplates)
    .where('m.created_at', '>=', opts.since)
    .whereNull('t.merged_into_id')
    .orderBy('m.id', 'desc')
    .limit(opts.limit)
    .select('m.id', 'm.ticket_id', 't.tracking_id', 't.subject', 'm.to_address', 'm.created_at');
  if (visible !== 'all') q.whereIn('t.category_id', visible);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    mailId: Number(r.id),
    ticketId: Number(r.ticket_id),
    trackingId: String(r.tracking_id),
    subject: String(r.subject),
    toAddress: String(r.to_address),
    createdAt: Number(r.created_at),
  }));
}
