import type { Knex } from 'knex';
import type { DatabaseNode } from '../config/config.schema';

/**
 * The servers of a cluster (database.hosts) and which one new connections go to. Connections
 * stay on one node while it works (on Galera, writing through one node at a time keeps
 * certification conflicts rare); when opening a connection to it fails, or it answers but is
 * not ready (checkNodeReady), the next node in the list is used, round and round. Connections already open to a node that dies fail with it and
 * are dropped by the pool.
 */
export class NodeList {
  private current = 0;
  /** The node the connection settings in use were made for. */
  private inUse = 0;

  constructor(private readonly nodes: ReadonlyArray<{ host: string; port: number }>) {
    if (nodes.length === 0) throw new Error('a node list needs at least one node');
  }

  /** Connection settings for the current node, for Knex's connection function. */
  settingsFor<T extends object>(common: T): T & { host: string; port: number; expirationChecker: () => boolean } {
    const index = this.current;
    this.inUse = index;
    const node = this.nodes[index]!;
    // Knex asks for settings again once the current node has changed.
    return { ...common, host: node.host, port: node.port, expirationChecker: () => this.current !== index };
  }

  /**
   * Opening a connection failed: when it was to the current node, the next attempt tries the
   * next one. Attempts run side by side, so a late failure of an attempt made with older
   * settings must not move the list away from a node that works: the failed node is known
   * from the error (network errors and NodeNotReadyError name it), else the settings in use.
   */
  failed(err?: unknown): void {
    const port = (err as { port?: unknown } | undefined)?.port;
    const named = typeof port === 'number' ? this.nodes.findIndex((n) => n.port === port) : -1;
    const index = named >= 0 ? named : this.inUse;
    if (this.current === index) this.current = (index + 1) % this.nodes.length;
  }

  get currentNode(): { host: string; port: number } {
    return this.nodes[this.current]!;
  }
}

/** The nodes of a configuration, each with a port (the client's default when not given). */
export function nodesOf(hosts: readonly DatabaseNode[], defaultPort: number): Array<{ host: string; port: number }> {
  return hosts.map((n) => ({ host: n.host, port: n.port ?? defaultPort }));
}

/**
 * Moves the node list on whenever the pool fails to open a connection. Knex keeps trying to
 * open one (every 200 ms) until the request's wait for a connection runs out, so a request
 * that arrives while a node is down is served by the next node instead of failing.
 */
export function followPoolFailures(db: Knex, nodes: NodeList): void {
  const pool = (db.client as { pool?: { on(event: 'createFail', fn: (eventId: number, err: unknown) => void): void } }).pool;
  pool?.on('createFail', (_eventId, err) => nodes.failed(err));
}

type Done = (err: Error | null, conn: unknown) => void;
type MysqlConn = { query(sql: string, cb: (err: Error | null, rows?: unknown) => void): void; destroy(): void; config: { host: string; port: number } };
type PgConn = { query(sql: string, cb: (err: Error | null, result?: { rows: Array<{ standby: boolean }> }) => void): void; end(): void; host: string; port: number };

/**
 * Refuses a new connection to a node that answers but cannot take the help desk's writes: a
 * Galera node that is joining, donating a full copy or cut off from the majority (wsrep_ready
 * OFF; it would answer every query with 1047), or a PostgreSQL standby not yet promoted. The
 * connection is closed and the node list moves on. `earlier` is the per-connection set-up's error.
 */
export function checkNodeReady(client: 'mysql' | 'postgres', conn: unknown, earlier: Error | null, done: Done): void {
  if (client === 'postgres') {
    const pg = conn as PgConn;
    const fail = (err: Error) => {
      pg.end();
      done(err, conn);
    };
    if (earlier) return fail(earlier);
    pg.query('SELECT pg_is_in_recovery() AS standby', (err, result) => {
      if (err) return fail(err);
      if (result?.rows[0]?.standby) return fail(new NodeNotReadyError(pg.host, pg.port, 'is a standby (read only)'));
      done(null, conn);
    });
    return;
  }
  const my = conn as MysqlConn;
  const fail = (err: Error) => {
    my.destroy();
    done(err, conn);
  };
  if (earlier) return fail(earlier);
  const valueOf = (rows: unknown) => (rows as Array<{ Value?: string }> | undefined)?.[0]?.Value;
  // MariaDB built with Galera has wsrep_ready OFF when wsrep is off: a plain server, ready.
  my.query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'", (err, rows) => {
    if (err) return fail(err);
    if (valueOf(rows) !== 'ON') return done(null, conn);
    my.query("SHOW GLOBAL STATUS LIKE 'wsrep_ready'", (err2, rows2) => {
      if (err2) return fail(err2);
      if (valueOf(rows2) !== 'ON') return fail(new NodeNotReadyError(my.config.host, my.config.port, 'is not ready (wsrep_ready is OFF)'));
      done(null, conn);
    });
  });
}

export class NodeNotReadyError extends Error {
  readonly code = 'WSREP_NOT_READY';
  constructor(
    readonly address: string,
    readonly port: number,
    why: string,
  ) {
    super(`database node ${address}:${port} ${why}`);
  }
}
