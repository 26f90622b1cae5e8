import type { Knex } from 'knex';

/**
 * `column LIKE 'value%'` with the value's own wildcards escaped: a prefix match an index on the
 * column can serve (never a leading wildcard).
 */
export function whereStartsWith<T extends Knex.QueryBuilder>(query: T, column: string, value: string): T {
  return query.whereRaw(`?? LIKE ? ESCAPE '!'`, [column, `${value.replace(/[!%_]/g, '!$&')}%`]) as T;
}
