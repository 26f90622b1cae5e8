import type { Knex } from 'knex';
import { whereStartsWith } from '../db/like';

export type CustomerSummary = { id: number; email: string; name: string; language: string; createdAt: number };

const toSummary = (r: {
  id: number;
  email: string;
  name: string;
  language: string;
  created_at: number;
}): CustomerSummary => ({
  id: Number(r.id),
  email: r.email,
  name: r.name,
  language: r.language,
  createdAt: Number(r.created_at),
});

/** Customers whose e-mail address starts with the text (served by the unique e-mail index). */
export async function findCustomersByEmailPrefix(db: Knex, prefix: string, limit: number): Promise<CustomerSummary[]> {
  const rows = await whereStartsWith(db('customers'), 'email', prefix.toLowerCase())
    .orderBy('email')
    .limit(limit)
    .select('id', 'email', 'name', 'language', 'created_at');
  return rows.map(toSummary);
}

export async function findCustomerById(db: Knex, id: number): Promise<CustomerSummary | undefined> {
  const row = await db('customers').where({ id }).first('id', 'email', 'name', 'language', 'created_at');
  return row ? toSummary(row) : undefined;
}

/** Every ticket of a customer, merged ones included (they hold the customer's words too). */
export async function ticketIdsOfCustomer(db: Knex, customerId: number): Promise<number[]> {
  return (await db('tickets').where({ customer_id: customerId }).orderBy('id').pluck('id')).map(Number);
}

export async function customerFieldValues(
  db: Knex,
  ticketId: number,
): Promise<Array<{ label: string; value: string }>> {
  return db('custom_field_values as v')
    .join('custom_fields as f', 'f.id', 'v.field_id')
    .where({ 'v.ticket_id': ticketId, 'f.visible_to_customer': true })
    .orderBy('f.sort_order')
    .select('f.label', 'v.value');
}

/** Replaces the personal data of a ticket's content; the ticket's facts (dates, status, category) stay. */
export async function scrubTicketContent(
  trx: Knex,
  ticketId: number,
  texts: { subject: string; body: string; author: string },
): Promise<void> {
  await trx('tickets').where({ id: ticketId }).update({ subject: texts.subject, ip: null });
  await trx('messages').where({ ticket_id: ticketId }).update({ body: texts.body, ip: null, email_message_id: null });
  await trx('messages').where({ ticket_id: ticketId, kind: 'customer' }).update({ author_name: texts.author });
  await trx('custom_field_values').where({ ticket_id: ticketId }).del();
  await trx('attachments').where({ ticket_id: ticketId }).del();
  // Queued and sent mails carry the address and the text.
  await trx('mail_outbox').where({ ticket_id: ticketId }).del();
  // Staff's own words about the customer: time notes, unsent replies, texts kept in the history.
  await trx('ticket_time_entries').where({ ticket_id: ticketId }).update({ note: null });
  await trx('reply_drafts').where({ ticket_id: ticketId }).del();
  await scrubEventTexts(trx, ticketId);
}

/** History entries whose data holds typed text or field values, and which keys of it do. */
const eventTexts: Record<string, string[]> = {
  'ticket.field_changed': ['from', 'to'],
  'ticket.time_logged': ['note'],
  'ticket.escalated': ['reason'],
};

/** Empties the texts of a ticket's history; what happened and when stays (a ticket has few such rows). */
async function scrubEventTexts(trx: Knex, ticketId: number): Promise<void> {
  const rows = await trx('ticket_events')
    .where({ ticket_id: ticketId })
    .whereIn('type', Object.keys(eventTexts))
    .select('id', 'type', 'data');
  for (const row of rows as Array<{ id: number; type: string; data: string | null }>) {
    const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
    for (const key of eventTexts[row.type] ?? []) if (key in data) data[key] = null;
    await trx('ticket_events')
      .where({ id: row.id })
      .update({ data: JSON.stringify(data) });
  }
}

/**
 * Tickets of other customers that hold this customer's messages: where their merged tickets
 * ended up (a merge moves the messages; the survivor may have been merged on in turn).
 */
export async function foreignTicketsWithMessagesOf(db: Knex, customerId: number): Promise<number[]> {
  let next = (
    await db('tickets').where({ customer_id: customerId }).whereNotNull('merged_into_id').pluck('merged_into_id')
  ).map(Number);
  const seen = new Set<number>(next);
  const found = new Set<number>();
  while (next.length) {
    const rows = await db('tickets').whereIn('id', next).select('id', 'customer_id', 'merged_into_id');
    next = [];
    for (const r of rows as Array<{ id: number; customer_id: number; merged_into_id: number | null }>) {
      if (Number(r.customer_id) !== customerId) found.add(Number(r.id));
      const onward = r.merged_into_id === null ? null : Number(r.merged_into_id);
      if (onward === null || seen.has(onward)) continue;
      seen.add(onward);
      next.push(onward);
    }
  }
  return [...found];
}

/** The customer's tickets merged into this one, directly or along a chain (index merged_into_id). */
export async function ownTicketsMergedInto(db: Knex, ticketId: number, customerId: number): Promise<number[]> {
  const found: number[] = [];
  let next = [ticketId];
  while (next.length) {
    next = (await db('tickets').whereIn('merged_into_id', next).where({ customer_id: customerId }).pluck('id'))
      .map(Number)
      .filter((id) => id !== ticketId && !found.includes(id));
    found.push(...next);
  }
  return found;
}

/** The files of this customer's messages on a ticket of someone else. */
export async function customerFilesOn(db: Knex, ticketId: number, customerId: number): Promise<string[]> {
  return db('attachments as a')
    .join('messages as m', 'm.id', 'a.message_id')
    .where({ 'a.ticket_id': ticketId, 'm.customer_id': customerId })
    .pluck('a.storage_key');
}

/** Scrubs this customer's messages (and their files) on a ticket of someone else. */
export async function scrubCustomerMessagesOn(
  trx: Knex,
  ticketId: number,
  customerId: number,
  texts: { body: string; author: string },
): Promise<void> {
  const mine = trx('messages').where({ ticket_id: ticketId, customer_id: customerId });
  await trx('attachments').where({ ticket_id: ticketId }).whereIn('message_id', mine.clone().select('id')).del();
  await mine.clone().update({ body: texts.body, author_name: texts.author, ip: null, email_message_id: null });
}

export async function moveTicketToCustomer(trx: Knex, ticketId: number, customerId: number): Promise<void> {
  await trx('tickets').where({ id: ticketId }).update({ customer_id: customerId });
  await trx('messages').where({ ticket_id: ticketId }).whereNotNull('customer_id').update({ customer_id: customerId });
}

export async function renameCustomer(
  trx: Knex,
  customerId: number,
  identity: { email: string; name: string },
  now: number,
): Promise<void> {
  await trx('customers')
    .where({ id: customerId })
    .update({ email: identity.email, name: identity.name, updated_at: now });
}

export async function insertAnonymousCustomer(
  trx: Knex,
  identity: { email: string; name: string; language: string },
  now: number,
): Promise<number> {
  await trx('customers').insert({ ...identity, created_at: now, updated_at: now });
  const row = await trx('customers').where({ email: identity.email }).first('id');
  return Number(row.id);
}

/** Queued and sent mails to an address carry the address and the texts. */
export async function deleteMailsTo(trx: Knex, address: string): Promise<void> {
  await trx('mail_outbox').where({ to_address: address }).del();
}

export async function deleteCustomerRow(trx: Knex, customerId: number): Promise<void> {
  await trx('mail_outbox')
    .whereIn('to_address', trx('customers').where({ id: customerId }).select('email'))
    .del();
  await trx('customers').where({ id: customerId }).del();
}
