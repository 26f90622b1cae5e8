import type { Knex } from 'knex';

/**
 * The ticket one of these Message-IDs belongs to: a mail we sent (mail_outbox) or a message we
 * stored (messages, its own Message-ID, in or out). Both columns are indexed. The last ID in the
 * list that matches wins, as In-Reply-To (the direct parent) is put last by the caller.
 */
export async function findTicketIdByMessageIds(db: Knex, ids: string[]): Promise<number | null> {
  if (!ids.length) return null;
  const rank = (id: string) => ids.lastIndexOf(id);
  const best = (rows: Array<{ ticket_id: unknown; email_message_id: unknown }>) => {
    const found = rows
      .filter((r) => r.ticket_id != null)
      .sort((a, b) => rank(String(b.email_message_id)) - rank(String(a.email_message_id)));
    return found.length ? Number(found[0]!.ticket_id) : null;
  };
  const fromOutbox = best(
    await db('mail_outbox').whereIn('email_message_id', ids).limit(50).select('ticket_id', 'email_message_id'),
  );
  if (fromOutbox !== null) return fromOutbox;
  return best(await db('messages').whereIn('email_message_id', ids).limit(50).select('ticket_id', 'email_message_id'));
}

/** Records the Message-ID of an imported message (the customer's own mail). */
export async function setMessageEmailId(trx: Knex, messageId: number, emailMessageId: string): Promise<void> {
  await trx('messages').where({ id: messageId }).update({ email_message_id: emailMessageId });
}

/** The first message of a ticket (the one a new ticket was opened with). */
export async function firstMessageIdOf(trx: Knex, ticketId: number): Promise<number | null> {
  const row = await trx('messages').where({ ticket_id: ticketId }).orderBy('id').first('id');
  return row ? Number(row.id) : null;
}
