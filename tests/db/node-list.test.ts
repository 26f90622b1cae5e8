import net from 'node:net';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex-factory';
import { nodeListOf } from '../../src/db/node-list';
import { unusedPort } from '../helpers/smtp-sink';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';

/** A node that drops packets: it accepts connections and never says a word (no refusal, no port in the error). */
async function blackhole(): Promise<{ port: number; accepted: number; open: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const hole = { port: 0, accepted: 0, open: 0, close };
  const server = net.createServer((socket) => {
    hole.accepted++;
    sockets.add(socket);
    hole.open = sockets.size;
    socket.on('close', () => {
      sockets.delete(socket);
      hole.open = sockets.size;
    });
    socket.on('error', () => undefined);
    socket.resume(); // read and drop what the client sends, so its hang-up is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hole.port = (server.address() as net.AddressInfo).port;
  return hole;
}

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

  const withNodes = (ports: number[], poolMax?: number) => {
    const db = createKnex({ ...tdb.config, hosts: ports.map((port) => ({ host: '127.0.0.1', port })) }, tdb.dataDir, {
      acquireTimeoutMs: 10_000,
      poolMax,
    });
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
    const db = createKnex(
      {
        ...tdb.config,
        hosts: [
          { host: '127.0.0.1', port: await unusedPort() },
          { host: '127.0.0.1', port: await unusedPort() },
        ],
      },
      tdb.dataDir,
      { acquireTimeoutMs: 1500 },
    );
    opened.push(db);
    await expect(db.raw('SELECT 1')).rejects.toMatchObject({ name: 'KnexTimeoutError' });
  });

  test('a first node that drops packets is given up on within the wait, and its late timeouts do not push the list off the node that works', async () => {
    const hole = await blackhole();
    try {
      // blackholed, working, dead: a late timeout counted against the newest settings would move to the dead one.
      const db = withNodes([hole.port, tdb.config.port!, await unusedPort()], 5);
      const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => db.raw(`SELECT ${n} AS n`)));
      expect(answers).toHaveLength(5);
      expect(hole.accepted).toBeGreaterThan(0);
      // Every attempt to the blackholed node has timed out and been counted.
      await waitFor(() => hole.open === 0, 'the attempts to the blackholed node to time out');
      expect(nodeListOf(db)!.currentIndex).toBe(1);
      await Promise.all([6, 7, 8, 9, 10].map((n) => db.raw(`SELECT ${n} AS n`)));
      expect(nodeListOf(db)!.currentIndex).toBe(1);
    } finally {
      await hole.close();
    }
  });

  // A query answered 1047 (a Galera node cut off from the majority), made with SIGNAL on a plain server.
  (testDbKind === 'mysql' ? test : test.skip)(
    'a connection answered "not ready" is dropped, and so are the other pooled connections to its node',
    async () => {
      // The same server twice: node 0 and node 1.
      const db = withNodes([tdb.config.port!, tdb.config.port!], 3);
      const connectionId = async (q: Knex | Knex.Transaction) =>
        ((await q.raw('SELECT CONNECTION_ID() AS id')) as unknown as [Array<{ id: number }>])[0][0]!.id;
      // Three pooled connections to node 0.
      const trxs = await Promise.all([1, 2, 3].map(() => db.transaction()));
      const onNode0 = await Promise.all(trxs.map((trx) => connectionId(trx)));
      await Promise.all(trxs.map((trx) => trx.commit()));
      expect(new Set(onNode0).size).toBe(3);
      await expect(
        db.raw(
          "SIGNAL SQLSTATE '08S01' SET MYSQL_ERRNO = 1047, MESSAGE_TEXT = 'WSREP has not yet prepared node for application use'",
        ),
      ).rejects.toMatchObject({ errno: 1047 });
      expect(nodeListOf(db)!.currentIndex).toBe(1);
      // None of node 0's connections is handed out again: each query runs on a new one (node 1).
      // One after another, so each acquire finds node 0's remaining connections in the pool.
      const after: number[] = [];
      for (let i = 0; i < 3; i++) after.push(await connectionId(db));
      expect(after.filter((id) => onNode0.includes(id))).toEqual([]);
      expect(nodeListOf(db)!.currentIndex).toBe(1);
    },
  );
});
