import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex-factory';
import { unusedPort } from '../helpers/smtp-sink';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db';

/**
 * database.hosts on a single server: a list whose first node is down is served by the next one,
 * on every request, without an error reaching the caller. (The cluster itself, with a node
 * killed under load, is tests/cluster/galera-failover.test.ts.)
 */
const onServer = testDbKind === 'sqlite' ? describe.skip : describe;

onServer(`a list of database nodes (${testDbKind})`, () => {
  let tdb: TestDatabase;
  const opened: Knex[] = [];
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.destroy()));
    await tdb.drop();
  });

  const withNodes = (ports: number[]) => {
    const db = createKnex({ ...tdb.config, hosts: ports.map((port) => ({ host: '127.0.0.1', port })) }, tdb.dataDir, { acquireTimeoutMs: 10_000 });
    opened.push(db);
    return db;
  };

  test('a dead first node is passed over: queries run on the next node that answers', async () => {
    const db = withNodes([await unusedPort(), await unusedPort(), tdb.config.port!]);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => db.raw(`SELECT ${n} AS n`)));
    expect(answers).toHaveLength(5);
    await db.schema.createTable('node_list_probe', (t) => t.increments('id'));
    await db('node_list_probe').insert({});
    expect(await db('node_list_probe').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  test('with every node down a request fails as an outage (503), once the wait for a connection runs out', async () => {
    const db = createKnex({ ...tdb.config, hosts: [{ host: '127.0.0.1', port: await unusedPort() }, { host: '127.0.0.1', port: await unusedPort() }] }, tdb.dataDir, { acquireTimeoutMs: 1500 });
    opened.push(db);
    await expect(db.raw('SELECT 1')).rejects.toMatchObject({ name: 'KnexTimeoutError' });
  });
});
