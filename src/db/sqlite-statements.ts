/**
 * Knex's better-sqlite3 client prepares every query anew: about a fifth of a small statement's
 * CPU. The same SQL text is asked for again and again (a ticket's creation repeats ~35 shapes),
 * so each connection keeps its most recent prepared statements by SQL text. A statement runs
 * to completion before the next (`all` / `run`, synchronous), so sharing one is safe; SQLite
 * re-prepares a cached one by itself after a schema change.
 */
type Preparer = { prepare(sql: string): unknown };

export const cachedStatementLimit = 200;

export function cachePreparedStatements(conn: Preparer, limit = cachedStatementLimit): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement !== undefined) {
      cache.delete(sql); // re-inserted below: the Map's order is the recency order
    } else {
      statement = prepare(sql);
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}
