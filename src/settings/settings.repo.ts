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
