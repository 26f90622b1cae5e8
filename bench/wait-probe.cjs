/**
 * Where a Tessera process's requests wait, loaded into the server for a measurement only:
 *   NODE_OPTIONS=--require=./bench/wait-probe.cjs node --import tsx src/server.ts
 * Sums the wall time of every database statement by kind (BEGIN, COMMIT, writes outside a
 * transaction, which each commit on their own, writes inside one, reads), the waits for a pooled
 * connection, and the event loop's utilisation (the JavaScript thread's busy share). SIGUSR1
 * starts a measurement, SIGUSR2 writes it as JSON to WAIT_PROBE_OUT (default /tmp/wait-probe.json).
 * Does nothing in any process but src/server.ts.
 */
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const path = require('node:path');

if (process.argv.some((a) => a.endsWith(path.join('src', 'server.ts')))) {
  const Client = require(path.join(process.cwd(), 'node_modules/knex/lib/client.js'));
  let stats;
  let statements;
  let elu;
  let since;
  const reset = () => {
    stats = {};
    statements = {};
    elu = performance.eventLoopUtilization();
    since = performance.now();
  };
  reset();
  const add = (kind, ms, sql) => {
    const s = (stats[kind] ??= { count: 0, ms: 0 });
    s.count++;
    s.ms += ms;
    if (sql === undefined) return;
    // Each statement's shape (its start), with its count and summed wall time.
    const shape = `${kind}: ${sql.replace(/\s+/g, ' ').slice(0, 90)}`;
    const one = (statements[shape] ??= { count: 0, ms: 0 });
    one.count++;
    one.ms += ms;
  };
  const kindOf = (sql, inTrx) => {
    if (/^\s*begin/i.test(sql)) return 'begin';
    if (/^\s*commit/i.test(sql)) return 'commit';
    if (/^\s*(set transaction|rollback|savepoint|release)/i.test(sql)) return 'transaction other';
    const write = /^\s*(insert|update|delete|replace)/i.test(sql);
    if (write) return inTrx ? 'write in a transaction' : 'write committed alone';
    return 'read';
  };
  const query = Client.prototype.query;
  Client.prototype.query = function (connection, queryParam) {
    const sql = typeof queryParam === 'string' ? queryParam : (queryParam?.sql ?? '');
    const kind = kindOf(sql, Boolean(this.transacting));
    const t0 = performance.now();
    const done = () => add(kind, performance.now() - t0, sql);
    const p = query.call(this, connection, queryParam);
    p.then(done, done);
    return p;
  };
  const acquire = Client.prototype.acquireConnection;
  Client.prototype.acquireConnection = async function () {
    const t0 = performance.now();
    try {
      return await acquire.call(this);
    } finally {
      add('pool wait', performance.now() - t0);
    }
  };
  process.on('SIGUSR1', reset);
  process.on('SIGUSR2', () => {
    const out = {
      seconds: (performance.now() - since) / 1000,
      eventLoopUtilisation: performance.eventLoopUtilization(elu).utilization,
      stats,
      statements: Object.fromEntries(Object.entries(statements).sort((a, b) => b[1].count - a[1].count)),
    };
    fs.writeFileSync(process.env.WAIT_PROBE_OUT ?? '/tmp/wait-probe.json', `${JSON.stringify(out, null, 2)}\n`);
  });
}
