import type { Knex } from 'knex';

export type AuditFilter = { staffId?: number; action?: string; from?: number; to?: number };
/** The last entry of a page: the next page starts just after it (newest first). */
export type AuditCursor = { createdAt: number; id: number };

export type AuditRow = {
  id: number;
  createdAt: number;
  staffId: number | null;
  staffName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: string | null;
  ip: string | null;
};

/**
 * One page of the audit log, newest first, after `cursor` (keyset paging: every page costs the
 * same however deep). The filters each lead an index ending in created_at (person, action) or
 * are ranges of created_at itself.
 */
export async function listAuditPage(
  db: Knex,
  filter: AuditFilter,
  cursor: AuditCursor | null,
  limit: number,
): Promise<{ rows: AuditRow[]; next: AuditCursor | null }> {
  const q = db('audit_log').select(
    'id',
    'created_at',
    'staff_id',
    'staff_name',
    'action',
    'target_type',
    'target_id',
    'details',
    'ip',
  );
  if (filter.staffId !== undefined) q.where('staff_id', filter.staffId);
  if (filter.action !== undefined) q.where('action', filter.action);
  if (filter.from !== undefined) q.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) q.where('created_at', '<', filter.to);
  // The plain range bound lets the index start at the cursor (an OR alone would be a filter).
  if (cursor)
    q.where('created_at', '<=', cursor.createdAt).andWhere((w) =>
      w.where('created_at', '<', cursor.createdAt).orWhere('id', '<', cursor.id),
    );
  const raw = (await q
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1)) as Array<Record<string, unknown>>;
  const rows = raw.slice(0, limit).map(
    (r): AuditRow => ({
      id: Number(r.id),
      createdAt: Number(r.created_at),
      staffId: r.staff_id == null ? null : Number(r.staff_id),
      staffName: (r.staff_name as string | null) ?? null,
      action: String(r.action),
      targetType: (r.target_type as string | null) ?? null,
      targetId: (r.target_id as string | null) ?? null,
      details: (r.details as string | null) ?? null,
      ip: (r.ip as string | null) ?? null,
    }),
  );
  const last = rows[rows.length - 1];
  return { rows, next: raw.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/**
 * The actions of the latest entries, for the filter: a bounded read through the created_at index
 * (a DISTINCT over the whole log would scan it on PostgreSQL, which has no loose index scan).
 */
export async function listAuditActions(db: Knex, recent = 10_000): Promise<string[]> {
  const latest = db('audit_log').select('action').orderBy('created_at', 'desc').limit(recent).as('latest');
  const rows = await db.from(latest).distinct('action').orderBy('action').limit(500);
  return rows.map((r: { action: string }) => r.action);
}

/** Everyone who can appear in the log as its author (a small table). */
export async function listAuditPeople(db: Knex): Promise<Array<{ id: number; name: string }>> {
  const rows = await db('staff_users').select('id', 'name').orderBy('name').limit(1000);
  return rows.map((r: { id: number; name: string }) => ({ id: Number(r.id), name: r.name }));
}
