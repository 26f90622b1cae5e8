import type { Knex } from 'knex';

/**
 * Stamps an article as changed only if it is still as the writer last read it (its updated_at):
 * the "has someone saved meanwhile" check made by the write itself, so two writers that read the
 * same state cannot both pass. False when it changed (or is gone). Run in the change's transaction.
 */
export async function stampKbArticleIfUnchanged(db: Knex, id: number, expectedUpdatedAt: number, stamp: number): Promise<boolean> {
  const changed = await db('kb_articles').where({ id, updated_at: expectedUpdatedAt }).update({ updated_at: stamp });
  return changed === 1;
}

/** Whether any article has one of these statuses (one indexed probe). */
export async function anyKbArticleWithStatus(db: Knex, statuses: string[]): Promise<boolean> {
  return Boolean(await db('kb_articles').whereIn('status', statuses).first('id'));
}

/** The status and category of each given article, in one query. */
export async function kbArticleStates(db: Knex, ids: number[]): Promise<Map<number, { status: string; categoryId: number }>> {
  if (!ids.length) return new Map();
  const rows = await db('kb_articles').whereIn('id', ids).select('id', 'status', 'category_id');
  return new Map(rows.map((r: Record<string, unknown>) => [Number(r.id), { status: String(r.status), categoryId: Number(r.category_id) }]));
}
