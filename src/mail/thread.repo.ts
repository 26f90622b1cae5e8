import type { Knex } from 'knex';
import { customerTicketTemplates } from './delivery-state';
import { maxReferences, type ThreadMail, type TicketThread } from './threading';

type Row = { email_message_id: string | null; created_at: number | string };
const toMail = (r: Row): ThreadMail | null =>
  r.email_message_id ? { messageId: r.email_message_id, at: Number(r.created_at) } : null;

/**
 * The mails of a ticket's thread with its customer, read by the ticket's indexes and bounded
 * whatever the ticket's length: the thread starts with the customer's own mail when the ticket
 * came by e-mail (its first message's Message-ID), else with our first mail to them; then the
 * latest of our customer mails and of the messages that came (or went) by mail.
 */
export async function ticketThread(db: Knex, ticketId: number): Promise<TicketThread> {
  // One statement: each part keeps its own order and limit inside a derived table (MariaDB and
  // SQLite allow neither in a bare UNION member), so the four reads cost one round trip.
  const part = (name: string, q: Knex.QueryBuilder) =>
    db.select(db.raw(`'${name}' as part`), 'id', 'kind', 'email_message_id', 'created_at').from(q.as(`t_${name}`));
  const messages = () =>
    db('messages').where({ ticket_id: ticketId }).select('id', 'kind', 'email_message_id', 'created_at');
  const outbox = () =>
    db('mail_outbox')
      .where({ ticket_id: ticketId })
      .whereIn('template', customerTicketTemplates)
      .select('id', db.raw('null as kind'), 'email_message_id', 'created_at');
  const rows: Array<Row & { part: string; id: number | string; kind: string | null }> = await part(
    'first',
    messages().orderBy('id').limit(1),
  ).unionAll([
    part('first_ours', outbox().orderBy('id').limit(1)),
    part('ours', outbox().orderBy('id', 'desc').limit(maxReferences)),
    part('theirs', messages().whereNotNull('email_message_id').orderBy('id', 'desc').limit(maxReferences)),
  ]);
  // A union keeps no order: each part is put back in id order here (oldest first).
  const of = (name: string) => rows.filter((r) => r.part === name).sort((a, b) => Number(a.id) - Number(b.id));
  const first = of('first')[0];
  const firstOurs = of('first_ours')[0];
  const root = (first?.kind === 'customer' ? first.email_message_id : null) ?? firstOurs?.email_message_id ?? null;
  // Oldest first; at the same moment a message comes before the mail about it (sorting is stable).
  const recent = [...of('theirs'), ...of('ours')].map(toMail).filter((m): m is ThreadMail => m !== null);
  return { root, recent };
}
