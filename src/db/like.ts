import type { Knex } from 'knex';
import { clientOf } from './dialect';

/**
 * `column` starts with `value` (its own wildcards taken literally), as a match the column's
 * plain index serves: on SQLite a case-sensitive GLOB (its LIKE ignores case, so an index with
 * the default collation is never used for it and every row is read); elsewhere LIKE, which
 * MySQL serves from any index and PostgreSQL from a pattern_ops index (see the migration
 * 20261124180100_customers_email_prefix_index). Callers pass the value in the case stored.
 */
export function whereStartsWith<T extends Knex.QueryBuilder>(query: T, column: string, value: string): T {
  if (clientOf(query as unknown as Knex) === 'sqlite')
    return query.whereRaw('?? GLOB ?', [column, `${value.replace(/[*?[]/g, '[$&]')}*`]) as T;
  return query.whereRaw(`?? LIKE ? ESCAPE '!'`, [column, `${value.replace(/[!%_]/g, '!$&')}%`]) as T;
}
