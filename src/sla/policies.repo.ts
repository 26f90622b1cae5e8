import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import type { Policy, Targets } from './policy-match';

type Raw = {
  id: number;
  name: string;
  position: number;
  is_active: boolean | number;
  calendar_id: number | null;
  category_id: number | null;
  customer_domain: string | null;
  field_id: number | null;
  field_value: string | null;
  targets: string;
};
const columns = [
  'id',
  'name',
  'position',
  'is_active',
  'calendar_id',
  'category_id',
  'customer_domain',
  'field_id',
  'field_value',
  'targets',
];
const nullableId = (v: number | null) => (v === null ? null : Number(v));

const fromRaw = (r: Raw): Policy => ({
  id: Number(r.id),
  name: r.name,
  position: Number(r.position),
  isActive: Boolean(r.is_active),
  calendarId: nullableId(r.calendar_id),
  categoryId: nullableId(r.category_id),
  customerDomain: r.customer_domain,
  fieldId: nullableId(r.field_id),
  fieldValue: r.field_value,
  targets: JSON.parse(r.targets) as Record<string, Targets>,
});

/** Every policy in matching order (a handful of rows, read whole). */
export async function listPolicies(db: Knex): Promise<Policy[]> {
  return (
    await db('sla_policies')
      .orderBy([{ column: 'position' }, { column: 'id' }])
      .select<Raw[]>(columns)
  ).map(fromRaw);
}

export async function findPolicy(db: Knex, id: number): Promise<Policy | undefined> {
  const row = await db('sla_policies').where({ id }).first<Raw | undefined>(columns);
  return row ? fromRaw(row) : undefined;
}

export type PolicyWrite = Omit<Policy, 'id'>;
const toRow = (p: PolicyWrite) => ({
  name: p.name,
  position: p.position,
  is_active: p.isActive,
  calendar_id: p.calendarId,
  category_id: p.categoryId,
  customer_domain: p.customerDomain,
  field_id: p.fieldId,
  field_value: p.fieldValue,
  targets: JSON.stringify(p.targets),
});

export async function insertPolicy(
  trx: Knex,
  p: PolicyWrite,
  now: number,
  submissionKey: string | null = null,
): Promise<number> {
  return insertReturningId(trx, 'sla_policies', {
    ...toRow(p),
    submission_key: submissionKey,
    created_at: now,
    updated_at: now,
  });
}

/** The policy a creating form's one-time key made, if any. */
export async function findPolicyIdBySubmissionKey(db: Knex, key: string): Promise<number | undefined> {
  const row = await db('sla_policies').where({ submission_key: key }).first<{ id: number } | undefined>('id');
  return row ? Number(row.id) : undefined;
}

export async function updatePolicy(trx: Knex, id: number, p: PolicyWrite, now: number): Promise<void> {
  await trx('sla_policies')
    .where({ id })
    .update({ ...toRow(p), updated_at: now });
}

export async function deletePolicy(trx: Knex, id: number): Promise<void> {
  await trx('sla_policies').where({ id }).del();
}

/** Which of the given ids exist in a small lookup table (categories, calendars, fields). */
export async function existingIds(
  db: Knex,
  table: 'categories' | 'sla_calendars' | 'custom_fields',
  ids: number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  return new Set((await db(table).whereIn('id', ids).pluck('id')).map(Number));
}
