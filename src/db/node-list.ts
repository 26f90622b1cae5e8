import type { Knex } from 'knex';
import type { DatabaseNode } from '../config/config.schema';

/**
 * The servers of a cluster (database.hosts) and which one new connections go to. Connections
 * stay on one node while it works (on Galera, writing through one node at a time keeps
 * certification conflicts rare); when opening a connection to it fails, or it answers but is
 * not ready (a Galera node that is joining or cut off from the majority), the next node in the
 * list is used, round and round. Connections already open to a node that dies fail with it and
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

export class NodeNotReadyError extends Error {
  readonly code = 'WSREP_NOT_READY';
  constructor(
    readonly address: string,
    readonly port: number,
  ) {
    super(`database node ${address}:${port} is not ready (wsrep_ready is OFF)`);
  }
}
