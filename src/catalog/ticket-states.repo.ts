import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

/** Statuses and priorities share their shape; statuses add whether they count as open and who may set them. */
export type StateKind = 'status' | 'priority';
export type StateRow = {
  id: number;
  key: string;
  name: string;
  names: string | null;
  color: string;
  sort_order: number;
  is_builtin: boolean | number;
  is_open?: boolean | number;
  customer_settable?: boolean | number;
  pauses_sla?: boolean | number;
};
export type StateWrite = {
  name: string;
  names: string | null;
  color: string;
  sort_order: number;
  is_open?: boolean;
  customer_settable?: boolean;
  pauses_sla?: boolean;
};

const tableOf = (kind: StateKind) => (kind === 'status' ? 'statuses' : 'priorities');
const columnsOf = (kind: StateKind) => [
  'id',
  'key',
  'name',
  'names',
  'color',
  'sort_order',
  'is_builtin',
  ...(kind === 'status' ? ['is_open', 'customer_settable', 'pauses_sla'] : []),
];

export async function listStates(db: Knex, kind: StateKind): Promise<StateRow[]> {
  return db(tableOf(kind))
    .orderBy([{ column: 'sort_order' }, { column: 'id' }])
    .select<StateRow[]>(columnsOf(kind));
}

export async function findState(db: Knex, kind: StateKind, id: number): Promise<StateRow | undefined> {
  return db(tableOf(kind)).where({ id }).first<StateRow | undefined>(columnsOf(kind));
}

export async function keyTaken(db: Knex, kind: StateKind, key: string): Promise<boolean> {
  return Boolean(await db(tableOf(kind)).where({ key }).first('id'));
}

export async function insertState(trx: Knex, kind: StateKind, key: string, row: StateWrite): Promise<number> {
  return insertReturningId(trx, tableOf(kind), {
    ...row,
    key,
    is_builtin: false,
    ...(kind === 'status'
      ? {
          is_open: row.is_open ?? true,
          customer_settable: row.customer_settable ?? false,
          pauses_sla: row.pauses_sla ?? false,
        }
      : {}),
  });
}

export async function updateState(trx: Knex, kind: StateKind, id: number, row: StateWrite): Promise<void> {
  await trx(tableOf(kind)).where({ id }).update(row);
}

/**
 * Whether any ticket has this status or priority. Statuses are found through the ticket index
 * that leads with status_id; priorities have no such index, so this one reads until the first
 * match — an admin's rare delete, never a page view.
 */
export async function stateInUse(db: Knex, kind: StateKind, id: number): Promise<boolean> {
  return Boolean(
    await db('tickets')
      .where(kind === 'status' ? 'status_id' : 'priority_id', id)
      .first(db.raw('1 as used')),
  );
}

export async function deleteState(trx: Knex, kind: StateKind, id: number): Promise<void> {
  await trx(tableOf(kind)).where({ id }).del();
}

/** Statuses customers may choose on their ticket page, in order. */
export async function listCustomerSettableStatuses(
  db: Knex,
): Promise<Array<{ id: number; key: string; name: string; is_open: boolean | number }>> {
  return db('statuses')
    .where({ customer_settable: true })
    .orderBy([{ column: 'sort_order' }, { column: 'id' }])
    .select('id', 'key', 'name', 'is_open');
}
