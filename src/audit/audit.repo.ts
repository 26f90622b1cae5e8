import type { Knex } from 'knex';

/** One administrative change, as the audit log keeps it. */
export type AuditEntry = {
  actor: { id: number; name: string } | null;
  action: string;
  target?: { type: string; id: string | number };
  details?: Record<string, unknown>;
  ip?: string;
};

/**
 * Records an admin action. Call it with the transaction of the change itself, so the change and
 * its audit row are stored together or not at all.
 */
export async function recordAudit(db: Knex, entry: AuditEntry, now: number): Promise<void> {
  await db('audit_log').insert({
    created_at: now,
    staff_id: entry.actor?.id ?? null,
    staff_name: entry.actor?.name.slice(0, 191) ?? null,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target ? String(entry.target.id) : null,
    details: entry.details ? JSON.stringify(entry.details) : null,
    ip: entry.ip?.slice(0, 45) ?? null,
  });
}
