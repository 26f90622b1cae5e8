import type { Knex } from 'knex';
import type { DatabaseClient } from '../config/config.schema';
import { checkNodeReady, nodeQueryTimeoutMs, type NodeList } from './node-list';
import { cachePreparedStatements } from './sqlite-statements';

/**
 * Every difference between the three databases lives here: driver names, default ports,
 * per-connection settings, and how each reports deadlocks and duplicates.
 */
export const driverOf: Record<DatabaseClient, string> = {
  sqlite: 'better-sqlite3',
  mysql: 'mysql2',
  postgres: 'pg',
};

export const defaultPortOf: Record<DatabaseClient, number | null> = {
  sqlite: null,
  mysql: 3306,
  postgres: 5432,
};

export function clientOf(db: Knex): DatabaseClient {
  const name = String(db.client.config.client);
  if (name === 'mysql2' || name === 'mysql') return 'mysql';
  if (name === 'pg' || name === 'postgres' || name === 'postgresql') return 'postgres';
  return 'sqlite';
}

/**
 * Row locks for a short read-then-write (never held across anything slow): `FOR UPDATE` on
 * MySQL and PostgreSQL; SQLite has none and needs none (one writer at a time).
 */
export function lockedForUpdate(db: Knex, query: Knex.QueryBuilder): Knex.QueryBuilder {
  return clientOf(db) === 'sqlite' ? query : query.forUpdate();
}

/** Runs on every new pooled connection, before any query. */
export function afterCreateFor(client: DatabaseClient, opts: { nodes?: NodeList | null } = {}) {
  return (conn: unknown, done: (err: Error | null, conn: unknown) => void): void => {
    try {
      if (client === 'sqlite') {
        const sqlite = conn as { pragma(sql: string): unknown };
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma('busy_timeout = 5000');
        sqlite.pragma('synchronous = NORMAL');
        cachePreparedStatements(conn as Parameters<typeof cachePreparedStatements>[0]);
        done(null, conn);
        return;
      }
      const sql =
        client === 'mysql'
          ? "SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"
          : "SET TIME ZONE 'UTC'";
      const c = conn as { query(q: unknown, cb: (err: Error | null) => void): void };
      const nodes = opts.nodes;
      if (!nodes) {
        c.query(sql, (err) => done(err, conn));
        return;
      }
      // On a node of a list every set-up query has a timeout: a stalled node fails fast and the next is tried.
      const query =
        client === 'mysql' ? { sql, timeout: nodeQueryTimeoutMs } : { text: sql, query_timeout: nodeQueryTimeoutMs };
      c.query(query, (err) => checkNodeReady(client, conn, err, done, nodes));
    } catch (err) {
      done(err as Error, conn);
    }
  };
}

/** True when the error means "run the whole transaction again": deadlock, lock wait, busy. */
export function isRetryableTxError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  const code = String(e?.code ?? '');
  return (
    e?.errno === 1213 ||
    e?.errno === 1205 ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === '40001' ||
    code === '40P01' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_BUSY_SNAPSHOT' ||
    code === 'SQLITE_LOCKED'
  );
}

export function isUniqueViolation(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return (
    code === 'ER_DUP_ENTRY' ||
    code === '23505' ||
    code.startsWith('SQLITE_CONSTRAINT_UNIQUE') ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** A column the statement names does not exist (the code is newer than the schema: an upgrade is pending). */
export function isMissingColumn(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = String((err as { message?: unknown })?.message ?? '');
  return (
    code === 'ER_BAD_FIELD_ERROR' || code === '42703' || (code === 'SQLITE_ERROR' && /no (such )?column/i.test(message))
  );
}

/**
 * Codes of "the server is not there, not answering or not taking connections": network errors,
 * MySQL/MariaDB's (connection limit, shutting down, gone, lost, a Galera node not ready) and PostgreSQL's classes 08
 * (connection exception) and 57P (shutting down, crashed, starting up), 53300 (too many
 * connections), and SQLite's unopenable file.
 */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // Galera: "WSREP has not yet prepared node for application use" (1047), and our own check.
  'ER_UNKNOWN_COM_ERROR',
  'WSREP_NOT_READY',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_CANTOPEN',
]);

/**
 * Messages of drivers that throw a plain Error when the server cannot be reached: pg's
 * connection timeout ("timeout expired") and its closed clients, mysql2's closed connection,
 * and knex's pool giving up.
 */
const unreachableMessages =
  /^timeout expired$|Connection terminated|connect ECONNREFUSED|is not queryable|connection is in closed state|Knex: Timeout acquiring a connection/i;

/** True when the database cannot be reached or does not answer (as opposed to a bad query). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  return (
    unreachableCodes.has(String(e?.code ?? '')) ||
    e?.name === 'KnexTimeoutError' ||
    unreachableMessages.test(String(e?.message ?? ''))
  );
}
