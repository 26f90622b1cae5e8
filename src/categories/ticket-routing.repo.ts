import type { Knex } from 'knex';
import { seesTickets, type StaffWithRole } from '../staff/ticket-viewers';
import type { AutoAssign } from './categories.repo';

export type CategoryRouting = { due_hours: number | null; auto_assign: AutoAssign };

export async function routingOf(db: Knex, categoryId: number): Promise<CategoryRouting | undefined> {
  return db('categories').where({ id: categoryId }).first('due_hours', 'auto_assign');
}

/**
 * Takes the category's next assignment turn. The row lock of the UPDATE (or the insert of the
 * first turn) is held until the ticket's transaction ends, so tickets created at once in one
 * category take turns one after another, on every instance; reading the row back after our own
 * write gives the current value on every database (MySQL shows a transaction its own changes).
 */
export async function takeAssignTurn(trx: Knex, categoryId: number): Promise<number> {
  const updated = await trx('assignment_turns')
    .where({ category_id: categoryId })
    .update({ turn: trx.raw('turn + 1') });
  if (!updated)
    await trx('assignment_turns')
      .insert({ category_id: categoryId, turn: 1 })
      .onConflict('category_id')
      .merge({ turn: trx.raw('assignment_turns.turn + 1') });
  const row = await trx('assignment_turns').where({ category_id: categoryId }).first<{ turn: number }>('turn');
  return Number(row?.turn ?? 1);
}

/** Gives a category its turn row when it is saved, so the first tickets need not race to create it. */
export async function ensureAssignTurn(trx: Knex, categoryId: number): Promise<void> {
  await trx('assignment_turns').insert({ category_id: categoryId, turn: 0 }).onConflict('category_id').ignore();
}

/**
 * Staff given this category who are active, not away and whose role lets them see tickets, by
 * id (the rotation's order): a ticket is never given to someone who could not open it.
 */
export async function assignableStaff(db: Knex, categoryId: number): Promise<Array<{ id: number; name: string }>> {
  const rows = await db('staff_users as s')
    .join('staff_categories as sc', 'sc.staff_id', 's.id')
    .leftJoin('roles as r', 'r.id', 's.role_id')
    .where({ 'sc.category_id': categoryId, 's.is_active': true, 's.is_away': false })
    .orderBy('s.id')
    .select<Array<{ id: number; name: string } & StaffWithRole>>(
      's.id',
      's.name',
      's.is_admin',
      'r.capabilities as role_capabilities',
    );
  return rows.filter(seesTickets).map((r) => ({ id: Number(r.id), name: r.name }));
}

/**
 * Open tickets a staff member owns, counted through the (owner_id, status_id, updated_at) index
 * and never beyond `cap`: the cost is bounded by the cap, not by the size of the ticket table.
 */
export async function openTicketLoad(db: Knex, staffId: number, openStatusIds: number[], cap: number): Promise<number> {
  if (!openStatusIds.length) return 0;
  const inner = db('tickets')
    .select(db.raw('1'))
    .where('owner_id', staffId)
    .whereIn('status_id', openStatusIds)
    .whereNull('merged_into_id')
    .limit(cap);
  const [row] = await db.from(inner.as('capped')).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

export async function openStatusIds(db: Knex): Promise<number[]> {
  return (await db('statuses').where({ is_open: true }).pluck('id')).map(Number);
}

export async function setTicketRouting(
  trx: Knex,
  ticketId: number,
  patch: { owner_id?: number; due_at?: number },
): Promise<void> {
  await trx('tickets').where({ id: ticketId }).update(patch);
}
