import type { Knex } from 'knex';

/** The columns a person chose for the ticket list, or null if they never chose. */
export async function findListColumns(db: Knex, staffId: number): Promise<string[] | null> {
  const row = await db('staff_list_prefs')
    .where({ staff_id: staffId })
    .first<{ columns: string } | undefined>('columns');
  if (!row) return null;
  try {
    const list = JSON.parse(row.columns) as unknown;
    return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : null;
  } catch {
    return null;
  }
}

export async function saveListColumns(db: Knex, staffId: number, columns: string[], now: number): Promise<void> {
  await db('staff_list_prefs')
    .insert({ staff_id: staffId, columns: JSON.stringify(columns), updated_at: now })
    .onConflict('staff_id')
    .merge(['columns', 'updated_at']);
}
