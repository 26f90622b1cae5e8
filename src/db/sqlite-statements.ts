/**
 * Knex's better-sqlite3 client prepares every query anew: about a fifth of a small statement's
 * CPU. The same SQL text is asked for again and again (a ticket's creation repeats ~35 shapes),
 * so each connection keeps its most recent prepared statements by SQL text. A statement runs
 * to completion before the next (`all` / `run`, synchronous), so sharing one is safe; SQLite
 * re-prepares a cached one by itself after a schema change.
 *
 * Only the repeating shapes are kept: transaction control (BEGIN, SAVEPOINT trx5, RELEASE,
 * ROLLBACK TO ...: names unique per transaction, each used once) and long SQL (bulk inserts, an
 * IN list of hundreds of ids: a text per size) would only push the useful ones out and hold
 * large texts and statements, so they are prepared each time as before. At most `limit` entries.
 */
type Preparer = { prepare(sql: string): unknown };

export const cachedStatementLimit = 200;
/** SQL longer than this, or with more placeholders, is a one-off shape (bulk insert, long IN list). */
export const cachedSqlMaxChars = 2_000;
export const cachedSqlMaxPlaceholders = 100;

const transactionControl = /^\s*(?:begin|commit|end|rollback|savepoint|release)\b/i;

/** Whether a statement is worth keeping: a short, repeating shape that is not transaction control. */
export function isCacheableSql(sql: string): boolean {
  if (sql.length > cachedSqlMaxChars || transactionControl.test(sql)) return false;
  let placeholders = 0;
  for (let i = sql.indexOf('?'); i !== -1; i = sql.indexOf('?', i + 1))
    if (++placeholders > cachedSqlMaxPlaceholders) return false;
  return true;
}

export function cachePreparedStatements(conn: Preparer, limit = cachedStatementLimit): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    if (!isCacheableSql(sql)) return prepare(sql);
    let statement = cache.get(sql);
    if (statement !== undefined) {
      cache.delete(sql); // re-inserted below: the Map's order is the recency order
    } else {
      statement = prepare(sql);
      while (cache.size >= limit) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}
