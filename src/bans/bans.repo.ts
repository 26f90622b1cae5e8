import type { Knex } from 'knex';

export type Ban = { kind: 'email' | 'domain' | 'ip'; value: string };

export async function listBans(db: Knex): Promise<Ban[]> {
  return db('bans').select<Ban[]>('kind', 'value');
}

export async function insertBan(db: Knex, ban: Ban & { reason?: string | null; staffId?: number | null }, now: number): Promise<void> {
  await db('bans')
    .insert({ kind: ban.kind, value: ban.value.toLowerCase(), reason: ban.reason ?? null, created_by_staff_id: ban.staffId ?? null, created_at: now })
    .onConflict(['kind', 'value'])
    .ignore();
}
