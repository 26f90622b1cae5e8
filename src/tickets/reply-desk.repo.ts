import type { Knex } from 'knex';
import { customerVisibleKinds } from './messages.repo';

/** Reply drafts (one per person per ticket) and who has a ticket open (presence heartbeats). */

export async function findDraft(
  db: Knex,
  staffId: number,
  ticketId: number,
): Promise<{ body: string; updatedAt: number } | undefined> {
  const row = await db('reply_drafts').where({ staff_id: staffId, ticket_id: ticketId }).first('body', 'updated_at');
  return row ? { body: String(row.body), updatedAt: Number(row.updated_at) } : undefined;
}

export async function putDraft(db: Knex, staffId: number, ticketId: number, body: string, now: number): Promise<void> {
  await db('reply_drafts')
    .insert({ staff_id: staffId, ticket_id: ticketId, body, updated_at: now })
    .onConflict(['staff_id', 'ticket_id'])
    .merge(['body', 'updated_at']);
}

export async function deleteDraft(db: Knex, staffId: number, ticketId: number): Promise<void> {
  await db('reply_drafts').where({ staff_id: staffId, ticket_id: ticketId }).del();
}

export type PresenceState = 'viewing' | 'replying';

export async function putPresence(
  db: Knex,
  ticketId: number,
  staffId: number,
  state: PresenceState,
  now: number,
): Promise<void> {
  await db('ticket_presence')
    .insert({ ticket_id: ticketId, staff_id: staffId, state, seen_at: now })
    .onConflict(['ticket_id', 'staff_id'])
    .merge(['state', 'seen_at']);
}

/**
 * Removes heartbeats older than `since` on this ticket and of this person on any ticket (each
 * through its index), so rows of closed tabs do not pile up.
 */
export async function pruneStalePresence(db: Knex, ticketId: number, staffId: number, since: number): Promise<void> {
  await db('ticket_presence').where('ticket_id', ticketId).andWhere('seen_at', '<', since).del();
  await db('ticket_presence').where('staff_id', staffId).andWhere('seen_at', '<', since).del();
}

/** Everyone else whose heartbeat on this ticket is newer than `since`. */
export async function othersPresent(
  db: Knex,
  ticketId: number,
  staffId: number,
  since: number,
): Promise<Array<{ staffId: number; name: string; state: PresenceState }>> {
  const rows = await db('ticket_presence as p')
    .join('staff_users as s', 's.id', 'p.staff_id')
    .where('p.ticket_id', ticketId)
    .andWhere('p.staff_id', '<>', staffId)
    .andWhere('p.seen_at', '>=', since)
    .orderBy('s.name')
    .select('p.staff_id', 's.name', 'p.state');
  return rows.map((r: Record<string, unknown>) => ({
    staffId: Number(r.staff_id),
    name: String(r.name),
    state: r.state === 'replying' ? 'replying' : 'viewing',
  }));
}

/** Forgets a presence row unless its last heartbeat is newer than `unlessSince`. */
export async function deletePresence(db: Knex, ticketId: number, staffId: number, unlessSince: number): Promise<void> {
  await db('ticket_presence')
    .where({ ticket_id: ticketId, staff_id: staffId })
    .andWhere('seen_at', '<', unlessSince)
    .del();
}

/** The newest message of the conversation (customer message or staff reply; notes do not count). */
export async function newestConversationMessageId(db: Knex, ticketId: number): Promise<number> {
  const row = await db('messages')
    .where('ticket_id', ticketId)
    .whereIn('kind', customerVisibleKinds)
    .max<{ m: number | null }>({ m: 'id' })
    .first();
  return row?.m == null ? 0 : Number(row.m);
}

export async function findSignature(db: Knex, staffId: number): Promise<string> {
  const row = await db('staff_users').where({ id: staffId }).first('signature');
  return row?.signature == null ? '' : String(row.signature).trim();
}
