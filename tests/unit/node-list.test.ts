import { checkNodeReady, NodeList, NodeNotReadyError, nodesOf, watchQueries } from '../../src/db/node-list';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:3306'), {
    code: 'ECONNREFUSED',
    address: '10.0.0.1',
    port: 3306,
  });
const timedOut = () => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
// Real clusters use the same port on every host.
const nodes = (opts?: ConstructorParameters<typeof NodeList>[1]) =>
  new NodeList(
    [
      { host: 'db1', port: 3306 },
      { host: 'db2', port: 3306 },
      { host: 'db3', port: 3306 },
    ],
    opts,
  );

/** An attempt as the pool makes it: settings taken now, failure reported against them later. */
const attempt = (list: NodeList) => list.nodeOfSettings(list.settingsFor({}));

test('connections go to the first node until it fails, then to the next, round and round, on one port', () => {
  const list = nodes();
  const first = list.settingsFor({ user: 'tessera' });
  expect(first).toMatchObject({ host: 'db1', port: 3306, user: 'tessera' });
  expect(first.expirationChecker()).toBe(false);
  list.failed(list.nodeOfSettings(first), refused());
  expect(first.expirationChecker()).toBe(true); // Knex asks for new settings
  const second = list.settingsFor({});
  expect(second).toMatchObject({ host: 'db2', port: 3306 });
  list.failed(list.nodeOfSettings(second), refused()); // the same port as db1: still db2's failure
  const third = list.settingsFor({});
  expect(third).toMatchObject({ host: 'db3' });
  list.failed(list.nodeOfSettings(third), new NodeNotReadyError('db3', 3306, 'is not ready'));
  expect(list.currentNode).toEqual({ host: 'db1', port: 3306 });
  expect(list.nodeOfSettings({ host: 'db1' })).toBeNull(); // settings not made by the list count for nothing
});

test('late failures of attempts made for an older node, with or without a port, do not move the list off a working node', () => {
  const list = nodes();
  // Five attempts to a blackholed db1 are under way side by side.
  const toDb1 = [1, 2, 3, 4, 5].map(() => attempt(list));
  list.failed(toDb1[0]!, timedOut());
  expect(list.currentNode.host).toBe('db2');
  const toDb2 = attempt(list);
  // The other four time out later, after db2 became current: no port, a tarn timeout, a lost connection.
  list.failed(toDb1[1]!, timedOut());
  list.failed(toDb1[2]!, Object.assign(new Error('Timeout'), { name: 'TimeoutError' }));
  list.failed(toDb1[3]!, Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' }));
  list.failed(toDb1[4]!, refused());
  expect(list.currentNode.host).toBe('db2');
  // Once db2's own attempt fails, the list moves on.
  list.failed(toDb2, refused());
  expect(list.currentNode.host).toBe('db3');
});

test('pooled connections of a node that is no longer current are refused by the pool', () => {
  const list = nodes();
  const onDb1 = {};
  const onDb2 = {};
  list.tag(onDb1, attempt(list)!);
  expect(list.isCurrent(onDb1)).toBe(true);
  list.failed(0, refused());
  list.tag(onDb2, attempt(list)!);
  expect(list.isCurrent(onDb1)).toBe(false);
  expect(list.isCurrent(onDb2)).toBe(true);
  expect(list.isCurrent({})).toBe(true); // not made through the list (never happens): left to the pool
});

test('a query answered "not ready" (Galera 1047) disposes its connection and moves the list on', () => {
  const list = nodes();
  type Cb = (err: unknown, rows?: unknown) => void;
  let answer: unknown = null;
  const conn: { query: (sql: unknown, values: unknown, cb: Cb) => string; __knex__disposed?: unknown } = {
    query: (_sql, _values, cb) => {
      cb(answer, answer ? undefined : [{ n: 1 }]);
      return 'query object';
    },
  };
  list.tag(conn, attempt(list)!);
  watchQueries(conn, list);
  const seen: unknown[] = [];
  expect(conn.query('SELECT 1', [], (err, rows) => seen.push(err ?? rows))).toBe('query object');
  expect(conn.__knex__disposed).toBeUndefined();
  // An ordinary error leaves the connection and the list alone.
  answer = Object.assign(new Error('Duplicate entry'), { errno: 1062, code: 'ER_DUP_ENTRY' });
  conn.query('INSERT', [], (err) => seen.push(err));
  expect(conn.__knex__disposed).toBeUndefined();
  expect(list.currentIndex).toBe(0);
  answer = Object.assign(new Error('WSREP has not yet prepared node for application use'), {
    errno: 1047,
    code: 'ER_UNKNOWN_COM_ERROR',
  });
  conn.query('SELECT 1', [], (err) => seen.push(err));
  expect(conn.__knex__disposed).toBe(answer); // the pool drops it instead of handing it out again
  expect(list.currentIndex).toBe(1);
  expect(list.isCurrent(conn)).toBe(false);
  expect(seen).toHaveLength(3); // every caller still gets its answer
});

describe('a Galera node is ready only when Synced', () => {
  const galera = (status: Record<string, string>) => {
    const conn = {
      config: { host: 'db1', port: 3306 },
      destroyed: false,
      queries: [] as Array<{ sql: string; timeout: number }>,
      query(q: { sql: string; timeout: number }, cb: (err: Error | null, rows?: unknown) => void) {
        this.queries.push(q);
        if (q.sql.includes("'wsrep_on'")) return cb(null, [{ Variable_name: 'wsrep_on', Value: 'ON' }]);
        cb(
          null,
          Object.entries(status).map(([Variable_name, Value]) => ({ Variable_name, Value })),
        );
      },
      destroy() {
        this.destroyed = true;
      },
    };
    return conn;
  };
  const check = (conn: ReturnType<typeof galera>, list: NodeList) =>
    new Promise<Error | null>((resolve) => checkNodeReady('mysql', conn, null, (err) => resolve(err), list));

  test.each([
    ['Synced', 'ON', null],
    ['Donor/Desynced', 'ON', /not synced \(wsrep_local_state_comment is Donor\/Desynced\)/],
    ['Joined', 'ON', /not synced/],
    ['Initialized', 'OFF', /wsrep_ready is OFF/],
  ])('%s with wsrep_ready %s', async (state, ready, refusal) => {
    const list = nodes();
    const conn = galera({ wsrep_ready: ready, wsrep_local_state_comment: state });
    list.tag(conn, attempt(list)!);
    const err = await check(conn, list);
    // Every readiness query has a timeout: a stalled node cannot hold a new connection.
    expect(conn.queries.every((q) => q.timeout > 0 && q.timeout <= 2000)).toBe(true);
    if (refusal === null) {
      expect(err).toBeNull();
      expect(list.currentIndex).toBe(0);
    } else {
      expect(err?.message).toMatch(refusal);
      expect(conn.destroyed).toBe(true);
      expect(list.currentIndex).toBe(1);
    }
  });
});

test('node failures are logged with the node and the code, at most once per 30 s per node', () => {
  let now = 0;
  const lines: Array<Record<string, unknown>> = [];
  const list = nodes({ log: (fields) => lines.push(fields), now: () => now });
  list.failed(0, refused());
  for (let i = 0; i < 10; i++) list.failed(0, timedOut()); // late ones: not moving, not logged
  list.failed(1, timedOut()); // another node: its own line
  now = 31_000;
  list.failed(0, timedOut());
  expect(lines).toEqual([
    { node: 'db1:3306', code: 'ECONNREFUSED', movedTo: 'db2:3306', suppressed: 0 },
    { node: 'db2:3306', code: 'ETIMEDOUT', movedTo: 'db3:3306', suppressed: 0 },
    { node: 'db1:3306', code: 'ETIMEDOUT', movedTo: null, suppressed: 10 },
  ]);
});

test('bracketed IPv6 hosts reach the driver bare', () => {
  expect(
    nodesOf(
      [
        { host: '[fd00::3]', port: null },
        { host: 'db2', port: 3307 },
      ],
      3306,
    ),
  ).toEqual([
    { host: 'fd00::3', port: 3306 },
    { host: 'db2', port: 3307 },
  ]);
});
