import type { Knex } from 'knex';

export type WalkedTicket = { id: number; statusId: number; merged: boolean };

/**
 * The next `limit` tickets after a ticket id, whatever their status, by the primary key alone:
 * one bounded range read on every database. The passes that walk every ticket (the SLA and
 * auto-close re-plans) filter the statuses in code: with the status in the statement, SQLite
 * reads every ticket of those statuses through a status index and sorts them by id first
 * (~0.9 s for 500,000 waiting tickets at 1M, the one connection held all that time).
 */
export async function ticketsAfter(db: Knex, afterId: number, limit: number): Promise<WalkedTicket[]> {
  const rows = await db('tickets')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .select<Array<{ id: number | string; status_id: number | string; merged_into_id: number | string | null }>>(
      'id',
      'status_id',
      'merged_into_id',
    );
  return rows.map((r) => ({ id: Number(r.id), statusId: Number(r.status_id), merged: r.merged_into_id !== null }));
}

/** The ids of the statuses with these keys, or of the open ones (a handful of rows). */
export async function statusIdsWhere(
  db: Knex,
  which: { keys: readonly string[] } | { open: true },
): Promise<Set<number>> {
  const q = db('statuses');
  const ids = (await ('keys' in which ? q.whereIn('key', [...which.keys]) : q.where('is_open', true)).pluck(
    'id',
  )) as Array<number | string>;
  return new Set(ids.map(Number));
}
