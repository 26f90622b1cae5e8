import { cachePreparedStatements } from '../../src/db/sqlite-statements';

type Sqlite = { prepare(sql: string): { run(...values: unknown[]): unknown; all(...values: unknown[]): unknown[] }; close(): void };
// The driver has no type declarations here; knex loads it the same way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string) => Sqlite;

test('the same SQL text gets the same prepared statement; the least recently used one goes past the limit', () => {
  const prepared: string[] = [];
  const conn = { prepare: (sql: string) => (prepared.push(sql), { sql }) };
  cachePreparedStatements(conn, 2);
  const a = conn.prepare('select 1');
  expect(conn.prepare('select 1')).toBe(a);
  conn.prepare('select 2');
  conn.prepare('select 1'); // used again: now the most recent
  conn.prepare('select 3'); // pushes out "select 2", the least recently used
  expect(conn.prepare('select 1')).toBe(a);
  conn.prepare('select 2');
  expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
});

test('a cached statement on a real SQLite connection runs again with new values, and after the schema changed', () => {
  const db = new Database(':memory:');
  cachePreparedStatements(db);
  db.prepare('create table t (id integer primary key, v text)').run();
  const insert = 'insert into t (v) values (?)';
  db.prepare(insert).run('a');
  db.prepare(insert).run('b');
  expect(db.prepare('select v from t order by id').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
  expect(() => db.prepare('insert into t (id, v) values (1, ?)').run('dup')).toThrow(/UNIQUE/);
  db.prepare('alter table t add column w text').run();
  db.prepare(insert).run('c');
  expect(db.prepare('select v, w from t order by id').all()).toEqual([{ v: 'a', w: null }, { v: 'b', w: null }, { v: 'c', w: null }]);
  db.close();
});
