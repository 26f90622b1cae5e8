import type { Knex } from 'knex';
import { whereStartsWith } from '../db/like';

export type CustomerSummary = { id: number; email: string; name: string; language: string; createdAt: number };

const toSummary = (r: { id: number; email: string; name: string; language: string; created_at: number }): CustomerSummary => ({
  id: Number(r.id),
  email: r.email,
  name: r.name,
  language: r.language,
  createdAt: Number(r.created_at),
});

/** Customers whose e-mail address starts with the text (served by the unique e-mail index). */
export async function findCustomersByEmailPrefix(db: Knex, prefix: string, limit: number): Promise<CustomerSummary[]> {
  const rows = await whereStartsWith(db('customers'), 'email', prefix.toLowerCase()).orderBy('email').limit(limit).select('id', 'email', 'name', 'language', 'created_at');
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

export async function customerFieldValues(db: Knex, ticketId: number): Promise<Array<{ label: string; value: string }>> {
  return db('custom_field_values as v')
    .join('custom_fields as f', 'f.id', 'v.field_id')
    .where({ 'v.ticket_id': ticketId, 'f.visible_to_customer': true })
    .orderBy('f.sort_order')
    .select('f.label', 'v.value');
}

/** Replaces the personal data of a ticket's content; the ticket's facts (dates, status, category) stay. */
export async function scrubTicketContent(trx: Knex, ticketId: number, texts: { subject: string; body: string; author: string }): Promise<void> {
  await trx('tickets').where({ id: ticketId }).update({ subject: texts.subject, ip: null });
  await trx('messages').where({ ticket_id: ticketId }).update({ body: texts.body, ip: null, email_message_id: null });
  await trx('messages').where({ ticket_id: ticketId, kind: 'customer' }).update({ author_name: texts.author });
  await trx('custom_field_values').where({ ticket_id: ticketId }).del();
  await trx('attachments').where({ ticket_id: ticketId }).del();
  // Queued and sent mails carry the address and the text.
  await trx('mail_outbox').where({ ticket_id: ticketId }).del();
}

export async function moveTicketToCustomer(trx: Knex, ticketId: number, customerId: number): Promise<void> {
  await trx('tickets').where({ id: ticketId }).update({ customer_id: customerId });
  await trx('messages').where({ ticket_id: ticketId }).whereNotNull('customer_id').update({ customer_id: customerId });
}

export async function renameCustomer(trx: Knex, customerId: number, identity: { email: string; name: string }, now: number): Promise<void> {
  await trx('customers').where({ id: customerId }).update({ email: identity.email, name: identity.name, updated_at: now });
}

export async function insertAnonymousCustomer(trx: Knex, identity: { email: string; name: string; language: string }, now: number): Promise<number> {
  await trx('customers').insert({ ...identity, created_at: now, updated_at: now });
  const row = await trx('customers').where({ email: identity.email }).first('id');
  return Number(row.id);
}

export async function deleteCustomerRow(trx: Knex, customerId: number): Promise<void> {
  await trx('mail_outbox').whereIn('to_address', trx('customers').where({ id: customerId }).select('email')).del();
  await trx('customers').where({ id: customerId }).del();
}
