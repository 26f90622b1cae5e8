import type { Knex } from 'knex';

/** Whether any article has one of these statuses (one indexed probe). */
export async function anyKbArticleWithStatus(db: Knex, statuses: string[]): Promise<boolean> {
  return Boolean(await db('kb_articles').whereIn('status', statuses).first('id'));
}

/** The status and category of each given article, in one query. */
export async function kbArticleStates(
  db: Knex,
  ids: number[],
): Promise<Map<number, { status: string; categoryId: number }>> {
  if (!ids.length) return new Map();
  const rows = await db('kb_articles').whereIn('id', ids).select('id', 'status', 'category_id');
  return new Map(
    rows.map((r: Record<string, unknown>) => [
      Number(r.id),
      { status: String(r.status), categoryId: Number(r.category_id) },
    ]),
  );
}
