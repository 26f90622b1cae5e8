import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { moveTags } from '../tags/tags.repo';

/**
 * Moves everything of one ticket onto another: messages, attachments, history, and the custom
 * field values and tags the surviving ticket does not have yet (its own values win).
 */
export async function moveTicketContents(trx: Knex, fromId: number, toId: number): Promise<void> {
  await trx('messages').where({ ticket_id: fromId }).update({ ticket_id: toId });
  await trx('attachments').where({ ticket_id: fromId }).update({ ticket_id: toId });
  await trx('ticket_events').where({ ticket_id: fromId }).update({ ticket_id: toId });
  // Read first: MySQL refuses an UPDATE whose subquery reads the table being updated.
  const taken = (await trx('custom_field_values').where({ ticket_id: toId }).pluck('field_id')).map(Number);
  await trx('custom_field_values')
    .where({ ticket_id: fromId })
    .whereNotIn('field_id', taken.length ? taken : [-1])
    .update({ ticket_id: toId });
  await trx('custom_field_values').where({ ticket_id: fromId }).del();
  await moveTags(trx, fromId, toId);
}

export async function countMessages(trx: Knex, ticketId: number): Promise<number> {
  const [row] = await trx('messages').where({ ticket_id: ticketId }).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

/**
 * Locks both tickets of a merge (in id order, so two merges of one pair wait rather than
 * deadlock) and tells whether both are still unmerged. A plain re-read is not enough: two merges
 * at once (A into B and B into A) each saw the other ticket unmerged in their snapshot and both
 * won, leaving a cycle; the locking read waits for the other merge and sees its outcome.
 */
export async function lockUnmergedPair(trx: Knex, sourceId: number, targetId: number): Promise<boolean> {
  const query = trx('tickets').whereIn('id', [sourceId, targetId]).orderBy('id').select('id', 'merged_into_id');
  const rows = (await lockedForUpdate(trx, query)) as Array<{ id: number; merged_into_id: number | null }>;
  return rows.length === 2 && rows.every((r) => r.merged_into_id === null);
}
