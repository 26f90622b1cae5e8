import type { Knex } from 'knex';
import { bumpSettingsRevision } from '../settings/settings.repo';

export type Ban = { kind: 'email' | 'domain' | 'ip'; value: string };

export async function listBans(db: Knex): Promise<Ban[]> {
  return db('bans').select<Ban[]>('kind', 'value');
}

export async function insertBan(
  db: Knex,
  ban: Ban & { reason?: string | null; staffId?: number | null },
  now: number,
): Promise<void> {
  await db('bans')
    .insert({
      kind: ban.kind,
      value: ban.value.toLowerCase(),
      reason: ban.reason ?? null,
      created_by_staff_id: ban.staffId ?? null,
      created_at: now,
    })
    .onConflict(['kind', 'value'])
    .ignore();
  await bumpSettingsRevision(db, now); // bans are kept beside the settings (bannedList)
}

export type BanDetails = Ban & { id: number; reason: string | null; createdAt: number; createdBy: string | null };

/** Every ban with who made it, newest first (a ban list stays small: hundreds, not millions). */
export async function listBanDetails(db: Knex): Promise<BanDetails[]> {
  const rows = await db('bans as b')
    .leftJoin('staff_users as s', 's.id', 'b.created_by_staff_id')
    .orderBy('b.id', 'desc')
    .select('b.id', 'b.kind', 'b.value', 'b.reason', 'b.created_at', 's.name as created_by');
  return rows.map(
    (r: {
      id: number;
      kind: Ban['kind'];
      value: string;
      reason: string | null;
      created_at: number;
      created_by: string | null;
    }) => ({
      id: Number(r.id),
      kind: r.kind,
      value: r.value,
      reason: r.reason,
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
    }),
  );
}

export async function findBan(db: Knex, id: number): Promise<(Ban & { id: number }) | undefined> {
  return db('bans').where({ id }).first<(Ban & { id: number }) | undefined>('id', 'kind', 'value');
}

export async function banExists(db: Knex, ban: Ban): Promise<boolean> {
  return (await db('bans').where({ kind: ban.kind, value: ban.value.toLowerCase() }).first('id')) !== undefined;
}

export async function deleteBan(db: Knex, id: number, now: number): Promise<void> {
  await db('bans').where({ id }).del();
  await bumpSettingsRevision(db, now);
}
