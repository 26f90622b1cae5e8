import type { Knex } from 'knex';
import { bumpResyncRevision } from '../jobs/resync-pass.repo';

/** The statuses in which a ticket waits for its customer: answered by staff, waiting, resolved. */
export const awaitingStatusKeys = ['replied', 'waiting', 'resolved'] as const;

export type AutoCloseFacts = {
  statusKey: string;
  statusId: number;
  categoryDays: number | null;
  merged: boolean;
  updatedAt: number;
};

export async function autoCloseFacts(db: Knex, ticketId: number): Promise<AutoCloseFacts | undefined> {
  const row = await db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .join('categories as c', 'c.id', 't.category_id')
    .where('t.id', ticketId)
    .first<
      | {
          key: string;
          status_id: number;
          auto_close_days: number | null;
          merged_into_id: number | null;
          updated_at: number | string;
        }
      | undefined
    >('s.key', 't.status_id', 'c.auto_close_days', 't.merged_into_id', 't.updated_at');
  return (
    row && {
      statusKey: row.key,
      statusId: Number(row.status_id),
      categoryDays: row.auto_close_days === null ? null : Number(row.auto_close_days),
      merged: row.merged_into_id !== null,
      updatedAt: Number(row.updated_at),
    }
  );
}

/** Sets (or, with null, drops) when the ticket closes by itself. */
export async function setAutoCloseAt(trx: Knex, ticketId: number, closeAt: number | null): Promise<void> {
  if (closeAt === null) await trx('ticket_auto_close').where({ ticket_id: ticketId }).del();
  else
    await trx('ticket_auto_close')
      .insert({ ticket_id: ticketId, close_at: closeAt })
      .onConflict('ticket_id')
      .merge(['close_at']);
}

/** Tickets whose closing time has come, oldest first, by the (close_at) index. */
export async function dueAutoCloses(
  db: Knex,
  now: number,
  limit: number,
): Promise<Array<{ ticketId: number; closeAt: number }>> {
  const rows = await db('ticket_auto_close')
    .where('close_at', '<=', now)
    .orderBy('close_at')
    .limit(limit)
    .select<Array<{ ticket_id: number; close_at: number | string }>>('ticket_id', 'close_at');
  return rows.map((r) => ({ ticketId: Number(r.ticket_id), closeAt: Number(r.close_at) }));
}

/** Takes a due ticket for this run; false when another process took it or the ticket moved on. */
export async function claimAutoClose(trx: Knex, ticketId: number, seenCloseAt: number): Promise<boolean> {
  return (await trx('ticket_auto_close').where({ ticket_id: ticketId, close_at: seenCloseAt }).del()) === 1;
}

/**
 * Closes the ticket only if it is still in the status this run saw (a customer's reply wins).
 * `resolvedAt` null: the ticket was not resolved yet, so this close is the resolution, made by the
 * auto-close and credited to the staff member whose answer went unanswered (else the owner); an
 * already resolved ticket keeps its resolution and who made it.
 */
export async function closeIfStill(
  trx: Knex,
  ticketId: number,
  seenStatusId: number,
  closedStatusId: number,
  resolvedAt: number | null,
  now: number,
): Promise<boolean> {
  const resolution =
    resolvedAt === null
      ? {
          resolved_at: now,
          resolved_by: 'auto',
          resolved_by_staff_id: trx.raw('coalesce(last_replier_staff_id, owner_id)'),
        }
      : {};
  return (
    (await trx('tickets')
      .where({ id: ticketId, status_id: seenStatusId })
      .update({ status_id: closedStatusId, updated_at: now, ...resolution })) === 1
  );
}

/** Moves a ticket's closing time on, only if it is still the time read (a re-plan meanwhile wins). */
export async function deferAutoClose(
  db: Knex,
  ticketId: number,
  seenCloseAt: number,
  closeAt: number,
): Promise<boolean> {
  return (
    (await db('ticket_auto_close')
      .where({ ticket_id: ticketId, close_at: seenCloseAt })
      .update({ close_at: closeAt })) === 1
  );
}

/** Counts a change of the days (desk or category), in its transaction: the re-plan job walks the waiting tickets for it. */
export async function bumpAutoCloseRevision(trx: Knex, now: number): Promise<void> {
  await bumpResyncRevision(trx, 'auto-close-resync', now);
}
