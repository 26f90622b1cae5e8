import type { Knex } from 'knex';

export async function readAllSettings(db: Knex): Promise<Map<string, unknown>> {
  const rows = await db('settings').select<Array<{ key: string; value: string }>>('key', 'value');
  return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
}

export async function readSetting(db: Knex, key: string): Promise<unknown> {
  const row = await db('settings').where({ key }).first<{ value: string } | undefined>('value');
  return row ? (JSON.parse(row.value) as unknown) : undefined;
}

export async function writeSettings(db: Knex, values: Record<string, unknown>, now: number): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({ key, value: JSON.stringify(value), updated_at: now }));
  if (rows.length === 0) return;
  await db('settings').insert(rows).onConflict('key').merge(['value', 'updated_at']);
}

/** The settings' revision: 0 until the first change through the settings pages. One primary-key read. */
export async function readSettingsRevision(db: Knex): Promise<number> {
  const row = await db('settings_revision')
    .where({ id: 1 })
    .first<{ revision: number | string } | undefined>('revision');
  return row ? Number(row.revision) : 0;
}

/**
 * Counts a change, so every other process reloads its cached settings, and the read-mostly data
 * kept beside them (SettingsService.beside), on its next check. Every writer of that data calls
 * it in its transaction: settings, bans, mailboxes, mail template wordings.
 */
export async function bumpSettingsRevision(db: Knex, now: number): Promise<void> {
  const updated = await db('settings_revision')
    .where({ id: 1 })
    .update({ revision: db.raw('revision + 1'), updated_at: now });
  if (updated === 0)
    await db('settings_revision')
      .insert({ id: 1, revision: 1, updated_at: now })
      .onConflict('id')
      .merge({ revision: db.raw('settings_revision.revision + 1'), updated_at: now });
}

/** Replaces one stored value only if it is still `expected` (two processes may try at once). */
export async function replaceSettingValue(
  db: Knex,
  key: string,
  expected: unknown,
  value: unknown,
  now: number,
): Promise<void> {
  await db('settings')
    .where({ key, value: JSON.stringify(expected) })
    .update({ value: JSON.stringify(value), updated_at: now });
}
