import type { Knex } from 'knex';
import type { DatabaseNode } from '../config/config.schema';

/** How long a readiness query may take on a new connection to a node of a list (ms). */
export const nodeQueryTimeoutMs = 2000;
/** How long opening a connection to a node of a list may take (ms): well under the 10 s wait for a connection, so a stalled node leaves time for the next. */
export const nodeConnectTimeoutMs = 2500;
/** A failing node is logged at most once per this many ms (with the count of failures left out). */
const logEveryMs = 30_000;

type FailureLog = (fields: Record<string, unknown>, msg: string) => void;

/**
 * The servers of a cluster (database.hosts) and which one new connections go to. Connections
 * stay on one node while it works (on Galera, writing through one node at a time keeps
 * certification conflicts rare); when opening a connection to it fails, or it answers but is
 * not ready (checkNodeReady), or a query on one of its connections says it is no longer ready
 * (Galera 1047), the next node in the list is used, round and round.
 *
 * Every attempt and every connection knows the index of the node it was made for (the settings
 * object Knex got from settingsFor, then a tag on the connection): a failure moves the list on
 * only while that index is still the current one. Nodes may share a port (3306 on every host)
 * and timeouts name no node, so nothing is guessed from the error. Pooled connections whose node
 * is no longer current are dropped when next taken from the pool (pool validate).
 */
export class NodeList {
  private current = 0;
  private readonly settingsNode = new WeakMap<object, number>();
  private readonly connectionNode = new WeakMap<object, number>();
  private readonly lastLogged = new Map<number, { at: number; suppressed: number }>();

  constructor(
    private readonly nodes: ReadonlyArray<{ host: string; port: number }>,
    private readonly opts: { log?: FailureLog; now?: () => number } = {},
  ) {
    if (nodes.length === 0) throw new Error('a node list needs at least one node');
  }

  /** Connection settings for the current node, for Knex's connection function. */
  settingsFor<T extends object>(common: T): T & { host: string; port: number; expirationChecker: () => boolean } {
    const index = this.current;
    const node = this.nodes[index]!;
    // Knex asks for settings again once the current node has changed.
    const settings = { ...common, host: node.host, port: node.port, expirationChecker: () => this.current !== index };
    this.settingsNode.set(settings, index);
    return settings;
  }

  /** The node a settings object from settingsFor was made for (null: not one of ours). */
  nodeOfSettings(settings: unknown): number | null {
    return typeof settings === 'object' && settings !== null ? (this.settingsNode.get(settings) ?? null) : null;
  }

  /** Remembers which node a new connection was opened to. */
  tag(conn: object, index: number): void {
    this.connectionNode.set(conn, index);
  }

  nodeOf(conn: unknown): number | null {
    return typeof conn === 'object' && conn !== null ? (this.connectionNode.get(conn) ?? null) : null;
  }

  /** False once the connection's node is no longer the current one: the pool drops it. */
  isCurrent(conn: unknown): boolean {
    const index = this.nodeOf(conn);
    return index === null || index === this.current;
  }

  /**
   * An attempt or a connection made for node `index` failed: when that node is still the
   * current one, the next attempt tries the next node. A late failure of an attempt made for an
   * older node (attempts run side by side) does not move the list away from one that works.
   */
  failed(index: number | null, err?: unknown): void {
    if (index === null) return;
    const moved = this.current === index;
    if (moved) this.current = (index + 1) % this.nodes.length;
    this.logFailure(index, err, moved);
  }

  get currentIndex(): number {
    return this.current;
  }

  get currentNode(): { host: string; port: number } {
    return this.nodes[this.current]!;
  }

  private logFailure(index: number, err: unknown, moved: boolean): void {
    if (!this.opts.log) return;
    const now = (this.opts.now ?? Date.now)();
    const last = this.lastLogged.get(index);
    if (last && now - last.at < logEveryMs) {
      last.suppressed++;
      return;
    }
    this.lastLogged.set(index, { at: now, suppressed: 0 });
    const node = this.nodes[index]!;
    const e = err as { code?: unknown; name?: unknown } | undefined;
    this.opts.log(
      {
        node: `${node.host}:${node.port}`,
        code: String(e?.code ?? e?.name ?? 'unknown'),
        movedTo: moved ? `${this.currentNode.host}:${this.currentNode.port}` : null,
        // Failures of this node not logged since the last line (at most one line per 30 s).
        suppressed: last?.suppressed ?? 0,
      },
      'database node failed',
    );
  }
}

/** The nodes of a configuration, each with a port (the client's default when not given); [v6] as the bare address the drivers take. */
export function nodesOf(hosts: readonly DatabaseNode[], defaultPort: number): Array<{ host: string; port: number }> {
  return hosts.map((n) => ({ host: n.host.replace(/^\[(.+)\]$/, '$1'), port: n.port ?? defaultPort }));
}

const listOf = new WeakMap<object, NodeList>();

/** The node list a Knex instance was made with (tests and diagnostics), or null. */
export function nodeListOf(db: Knex): NodeList | null {
  return listOf.get(db.client as object) ?? null;
}

/**
 * Ties a node list to a Knex instance: each attempt to open a connection records the node of
 * the settings it used (read at the moment the driver is handed them) and, when it fails, counts
 * against that node only. Knex keeps trying to open a connection (every 200 ms, with
 * propagateCreateError off) until the request's wait for one runs out, so a request that arrives
 * while a node is down is served by the next node instead of failing.
 */
export function attachNodeList(db: Knex, nodes: NodeList): void {
  const client = db.client as unknown as { acquireRawConnection(): Promise<object>; connectionSettings: unknown };
  const raw = client.acquireRawConnection.bind(client);
  client.acquireRawConnection = async () => {
    const index = nodes.nodeOfSettings(client.connectionSettings);
    let conn: object;
    try {
      conn = await raw();
    } catch (err) {
      nodes.failed(index, err);
      throw err;
    }
    if (index !== null) nodes.tag(conn, index);
    return conn;
  };
  listOf.set(db.client as object, nodes);
}

/** A query's answer meaning "this node cannot serve the help desk now": Galera 1047 (wsrep not ready). */
export function isNodeNotReadyError(err: unknown): boolean {
  const e = err as { errno?: unknown; code?: unknown } | null | undefined;
  return e?.errno === 1047 || e?.code === 'ER_UNKNOWN_COM_ERROR' || e?.code === 'WSREP_NOT_READY';
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Watches every query on a connection to a node of the list: when one is answered "not ready"
 * (the node left the Galera majority, wsrep_ready OFF), the connection is marked disposed (the
 * pool drops it instead of handing it out again) and the node counts as failed, so the pool's
 * other connections to it are dropped as well and new ones go to the next node.
 */
export function watchQueries(conn: unknown, nodes: NodeList): void {
  const c = conn as { query: QueryFn; __knex__disposed?: unknown };
  const original = c.query;
  c.query = function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (err: unknown, ...rest: unknown[]) => {
        if (err && isNodeNotReadyError(err)) {
          c.__knex__disposed = err;
          nodes.failed(nodes.nodeOf(conn), err);
        }
        return (cb as QueryFn)(err, ...rest);
      };
    }
    return original.apply(this, args);
  };
}

type Done = (err: Error | null, conn: unknown) => void;
type StatusRow = { Variable_name?: string; Value?: string };
type MysqlConn = {
  query(q: { sql: string; timeout: number }, cb: (err: Error | null, rows?: unknown) => void): void;
  destroy(): void;
  config: { host: string; port: number };
};
type PgConn = {
  query(
    q: { text: string; query_timeout: number },
    cb: (err: Error | null, result?: { rows: Array<{ standby: boolean }> }) => void,
  ): void;
  end(): void;
  host: string;
  port: number;
};

/**
 * Refuses a new connection to a node that answers but cannot take the help desk's writes: a
 * Galera node that is not Synced — joining, donating a full copy (an rsync donor holds a global
 * read lock: writes would hang), desynced, or cut off from the majority (wsrep_ready OFF; it
 * would answer every query with 1047) — or a PostgreSQL standby not yet promoted. The
 * connection is closed and the node list moves on (when the connection's node is still the
 * current one). Each query has a timeout, so a stalled node cannot hold a new connection.
 * `earlier` is the per-connection set-up's error. A connection that passes is watched
 * (watchQueries).
 */
export function checkNodeReady(
  client: 'mysql' | 'postgres',
  conn: unknown,
  earlier: Error | null,
  done: Done,
  nodes?: NodeList,
): void {
  const ready = () => {
    if (nodes) watchQueries(conn, nodes);
    done(null, conn);
  };
  const failAndClose = (close: () => void) => (err: Error) => {
    nodes?.failed(nodes.nodeOf(conn), err);
    close();
    done(err, conn);
  };
  if (client === 'postgres') {
    const pg = conn as PgConn;
    const fail = failAndClose(() => pg.end());
    if (earlier) {
      fail(earlier);
      return;
    }
    pg.query({ text: 'SELECT pg_is_in_recovery() AS standby', query_timeout: nodeQueryTimeoutMs }, (err, result) => {
      if (err) return fail(err);
      if (result?.rows[0]?.standby) return fail(new NodeNotReadyError(pg.host, pg.port, 'is a standby (read only)'));
      ready();
    });
    return;
  }
  const my = conn as MysqlConn;
  const fail = failAndClose(() => my.destroy());
  if (earlier) {
    fail(earlier);
    return;
  }
  const valuesOf = (rows: unknown) =>
    new Map(((rows as StatusRow[] | undefined) ?? []).map((r) => [String(r.Variable_name).toLowerCase(), r.Value]));
  // MariaDB built with Galera has wsrep_ready OFF when wsrep is off: a plain server, ready.
  my.query({ sql: "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'", timeout: nodeQueryTimeoutMs }, (err, rows) => {
    if (err) return fail(err);
    if (valuesOf(rows).get('wsrep_on') !== 'ON') return ready();
    const sql = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment')";
    my.query({ sql, timeout: nodeQueryTimeoutMs }, (err2, rows2) => {
      if (err2) return fail(err2);
      const status = valuesOf(rows2);
      if (status.get('wsrep_ready') !== 'ON')
        return fail(new NodeNotReadyError(my.config.host, my.config.port, 'is not ready (wsrep_ready is OFF)'));
      const state = status.get('wsrep_local_state_comment');
      // Joined, Donor/Desynced, Joining: not taking writes normally until Synced (state 4).
      if (state !== 'Synced')
        return fail(
          new NodeNotReadyError(
            my.config.host,
            my.config.port,
            `is not synced (wsrep_local_state_comment is ${state ?? 'missing'})`,
          ),
        );
      ready();
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
