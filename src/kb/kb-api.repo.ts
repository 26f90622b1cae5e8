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
