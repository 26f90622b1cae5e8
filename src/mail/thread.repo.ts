import type { Knex } from 'knex';
import { customerTicketTemplates } from './delivery-state';
import { maxReferences, type ThreadMail, type TicketThread } from './threading';

type Row = { email_message_id: string | null; created_at: number | string };
const toMail = (r: Row): ThreadMail | null => (r.email_message_id ? { messageId: r.email_message_id, at: Number(r.created_at) } : null);

/**
 * The mails of a ticket's thread with its customer, read by the ticket's indexes and bounded
 * whatever the ticket's length: the thread starts with the customer's own mail when the ticket
 * came by e-mail (its first message's Message-ID), else with our first mail to them; then the
 * latest of our customer mails and of the messages that came (or went) by mail.
 */
export async function ticketThread(db: Knex, ticketId: number): Promise<TicketThread> {
  // One after another: in a transaction the queries share one connection anyway.
  const first = await db('messages').where({ ticket_id: ticketId }).orderBy('id').first<Row & { kind: string } | undefined>('kind', 'email_message_id', 'created_at');
  const firstOurs = await db('mail_outbox').where({ ticket_id: ticketId }).whereIn('template', customerTicketTemplates).orderBy('id').first<Row | undefined>('email_message_id', 'created_at');
  const ours = await db('mail_outbox').where({ ticket_id: ticketId }).whereIn('template', customerTicketTemplates).orderBy('id', 'desc').limit(maxReferences).select<Row[]>('email_message_id', 'created_at');
  const theirs = await db('messages').where({ ticket_id: ticketId }).whereNotNull('email_message_id').orderBy('id', 'desc').limit(maxReferences).select<Row[]>('email_message_id', 'created_at');
  const root = (first?.kind === 'customer' ? first.email_message_id : null) ?? firstOurs?.email_message_id ?? null;
  // Oldest first; at the same moment a message comes before the mail about it (sorting is stable).
  const recent = [...theirs.reverse(), ...ours.reverse()].map(toMail).filter((m): m is ThreadMail => m !== null);
  return { root, recent };
}
