import type { Knex } from 'knex';

export type StatusRow = { id: number; key: string; name: string; color: string; is_open: boolean | number };
export type PriorityRow = { id: number; key: string; name: string; color: string; sort_order: number };

export async function findStatusByKey(db: Knex, key: string): Promise<StatusRow | undefined> {
  return db('statuses').where({ key }).first<StatusRow | undefined>('id', 'key', 'name', 'color', 'is_open');
}

type NewStatus = {
  key: string;
  name: string;
  color: string;
  is_open: boolean;
  customer_settable: boolean;
  sort_order: number;
  is_builtin: boolean;
  pauses_sla?: boolean;
};
type NewPriority = { key: string; name: string; color: string; sort_order: number; is_builtin: boolean };

export async function insertStatuses(trx: Knex, rows: NewStatus[]): Promise<void> {
  await trx('statuses').insert(rows);
}

export async function insertPriorities(trx: Knex, rows: NewPriority[]): Promise<void> {
  await trx('priorities').insert(rows);
}

export async function listPriorities(db: Knex): Promise<PriorityRow[]> {
  return db('priorities').orderBy('sort_order').select<PriorityRow[]>('id', 'key', 'name', 'color', 'sort_order');
}

export async function findPriorityByKey(db: Knex, key: string): Promise<PriorityRow | undefined> {
  return db('priorities').where({ key }).first<PriorityRow | undefined>('id', 'key', 'name', 'color', 'sort_order');
}

export async function listStatuses(db: Knex): Promise<StatusRow[]> {
  return db('statuses').orderBy('sort_order').select<StatusRow[]>('id', 'key', 'name', 'color', 'is_open');
}
