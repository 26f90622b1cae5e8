import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config/config.schema';
import type { Logger } from '../logger';
import { afterCreateFor, defaultPortOf, driverOf } from './dialect';
import { attachNodeList, NodeList, nodeConnectTimeoutMs, nodesOf } from './node-list';

/** The SQLite file: a bare name is placed inside the data directory. */
export function sqliteFilePath(db: DatabaseConfig, dataDir: string): string {
  return path.isAbsolute(db.filename) ? db.filename : path.join(dataDir, db.filename);
}

function connectionOf(db: DatabaseConfig, dataDir: string, connectTimeoutMs: number): Knex.StaticConnectionConfig {
  if (db.client === 'sqlite') return { filename: sqliteFilePath(db, dataDir) };
  const common = {
    host: db.host,
    port: db.port ?? defaultPortOf[db.client] ?? undefined,
    user: db.user,
    password: db.password,
    database: db.database,
    ssl: db.ssl ? { rejectUnauthorized: true } : undefined,
  };
  if (db.client === 'mysql') {
    return {
      ...common,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      connectTimeout: connectTimeoutMs,
    } as Knex.MySql2ConnectionConfig;
  }
  return { ...common, connectionTimeoutMillis: connectTimeoutMs } as Knex.PgConnectionConfig;
}

type KnexLog = { warn(msg: unknown): void; error(msg: unknown): void; debug(msg: unknown): void };
const silent: KnexLog = { warn: () => undefined, error: () => undefined, debug: () => undefined };

type KnexOptions = { poolMax?: number; logger?: Logger; acquireTimeoutMs?: number };

/**
 * The one place a Knex instance is made, for the app, the CLI, the wizard and the tests.
 * Knex's own messages go to the given logger; without one they are dropped (every failure is
 * also thrown to the caller). A request waits at most `acquireTimeoutMs` (10 s) for a pooled
 * connection, then fails as "unavailable". With `database.hosts` connections go to the nodes of a
 * cluster in turn (see NodeList).
 */
export function createKnex(db: DatabaseConfig, dataDir: string, opts: KnexOptions = {}): Knex {
  const { config, nodes } = knexSettings(db, dataDir, opts);
  const instance = knex(config);
  if (nodes) attachNodeList(instance, nodes);
  return instance;
}

/** The settings createKnex gives Knex; knexfile.ts hands the same to the knex command line. */
export function knexSettings(
  db: DatabaseConfig,
  dataDir: string,
  opts: KnexOptions = {},
): { config: Knex.Config; nodes: NodeList | null } {
  const log: KnexLog = opts.logger
    ? {
        warn: (m) => opts.logger!.warn({ knex: m }, 'knex'),
        error: (m) => opts.logger!.error({ knex: m }, 'knex'),
        debug: (m) => opts.logger!.debug({ knex: m }, 'knex'),
      }
    : silent;
  if (db.client === 'postgres') parsePgBigintsAsNumbers();
  if (db.client === 'sqlite') fs.mkdirSync(path.dirname(sqliteFilePath(db, dataDir)), { recursive: true });
  const nodes =
    db.client !== 'sqlite' && db.hosts?.length
      ? new NodeList(nodesOf(db.hosts, defaultPortOf[db.client]!), {
          log: opts.logger ? (fields, msg) => opts.logger!.warn(fields, msg) : undefined,
        })
      : null;
  // One server: wait for it as long as a request waits (10 s). A list: give up on a node soon
  // enough that the next one is tried within the same request's wait.
  const connection = connectionOf(db, dataDir, nodes ? nodeConnectTimeoutMs : 10000);
  const config: Knex.Config = {
    client: driverOf[db.client],
    connection: nodes ? async () => nodes.settingsFor(connection) : connection,
    useNullAsDefault: db.client === 'sqlite',
    pool: {
      min: 0,
      // better-sqlite3 is synchronous: one connection serialises writes without SQLITE_BUSY.
      max: db.client === 'sqlite' ? 1 : (opts.poolMax ?? db.poolMax),
      afterCreate: afterCreateFor(db.client, { nodes }),
      // A pooled connection to a node that is no longer current is dropped, not handed out.
      ...(nodes ? { validate: (conn: unknown) => nodes.isCurrent(conn) } : {}),
      // With a node list a failed connection attempt is tried again on the next node.
      propagateCreateError: nodes === null,
    },
    acquireConnectionTimeout: opts.acquireTimeoutMs ?? 10000,
    // Error messages must not carry bound values (session ids, hashes, addresses) into logs.
    compileSqlOnError: false,
    log: { ...log, deprecate: (m: unknown) => log.warn(m) },
  };
  return { config, nodes };
}

let pgParsersSet = false;
/** Times are epoch milliseconds in BIGINT columns; pg would hand them back as strings. */
function parsePgBigintsAsNumbers(): void {
  if (pgParsersSet) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { types } = require('pg') as typeof import('pg');
  types.setTypeParser(types.builtins.INT8, (v: string) => Number(v));
  pgParsersSet = true;
}
