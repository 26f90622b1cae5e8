import { cachePreparedStatements, isCacheableSql } from '../../src/db/sqlite-statements';

type Sqlite = {
  prepare(sql: string): { run(...values: unknown[]): unknown; all(...values: unknown[]): unknown[] };
  close(): void;
};
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
  expect(db.prepare('select v, w from t order by id').all()).toEqual([
    { v: 'a', w: null },
    { v: 'b', w: null },
    { v: 'c', w: null },
  ]);
  db.close();
});

test('transaction control, long SQL and SQL with many placeholders are prepared each time and never kept', () => {
  const prepared: string[] = [];
  const conn = { prepare: (sql: string) => (prepared.push(sql), { sql }) };
  cachePreparedStatements(conn, 3);
  const keep = 'select * from t where id = ?';
  const a = conn.prepare(keep);
  const bulk = `insert into t (v) values ${Array.from({ length: 101 }, () => '(?)').join(', ')}`;
  const long = `select * from t where v = '${'x'.repeat(2_100)}'`;
  const oneOffs = [
    'SAVEPOINT trx1',
    'RELEASE trx1',
    'ROLLBACK TO SAVEPOINT trx2',
    '  savepoint trx3',
    'BEGIN',
    'COMMIT',
    'rollback',
    bulk,
    long,
  ];
  for (let round = 0; round < 2; round++) for (const sql of oneOffs) conn.prepare(sql);
  // Each one-off was prepared both times, and the cached statement was not pushed out by them.
  expect(prepared.filter((sql) => sql !== keep)).toEqual([...oneOffs, ...oneOffs]);
  expect(conn.prepare(keep)).toBe(a);
  expect(prepared.filter((sql) => sql === keep)).toHaveLength(1);
});

test('the boundaries: 2,000 characters and 100 placeholders are still kept', () => {
  expect(isCacheableSql(`select '${'x'.repeat(2_000 - 9)}'`)).toBe(true);
  expect(isCacheableSql(`select '${'x'.repeat(2_000 - 8)}'`)).toBe(false);
  expect(isCacheableSql(`select ${Array.from({ length: 100 }, () => '?').join(',')}`)).toBe(true);
  expect(isCacheableSql(`select ${Array.from({ length: 101 }, () => '?').join(',')}`)).toBe(false);
});

test('thousands of distinct statements leave the cache at its cap on a real connection, and transactions still work', () => {
  const db = new Database(':memory:');
  const realPrepare = db.prepare.bind(db);
  let calls = 0;
  db.prepare = ((sql: string) => (calls++, realPrepare(sql))) as typeof db.prepare;
  cachePreparedStatements(db, 50);
  db.prepare('create table t (id integer primary key, v text)').run();
  for (let i = 0; i < 2_000; i++) {
    db.prepare('savepoint s' + i).run();
    db.prepare(`insert into t (v) values ('${i}')`).run();
    db.prepare(i % 2 ? 'release s' + i : 'rollback to s' + i).run();
    if (i % 2 === 0) db.prepare('release s' + i).run();
  }
  expect(db.prepare('select count(*) as n from t').all()).toEqual([{ n: 1_000 }]);
  // Re-asking for one of the last 50 shapes prepares nothing; an old one is prepared again.
  const before = calls;
  db.prepare("insert into t (v) values ('1999')");
  expect(calls).toBe(before);
  db.prepare("insert into t (v) values ('0')");
  expect(calls).toBe(before + 1);
  db.close();
});
