import type { Cookie, SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Db } from '../../db/db';
import type { Logger } from '../../logger';

/**
 * With a callback, the callback has been given the error already: the returned promise (which
 * express-session drops) must not reject on top of it, or every failed read of a session during
 * a database outage becomes an unhandled rejection. Without a callback the caller awaits it.
 */
function reported<T>(work: Promise<T>, callback: unknown): Promise<T | undefined> {
  return typeof callback === 'function' ? work.catch(() => undefined) : work;
}

/**
 * connect-session-knex 5 with the two things it lacks for a process that must outlive its
 * database. It looks at its table once, when created, and re-threw that first failure on every
 * later read for the life of the process: a process started during an outage never let anyone
 * sign in again. The table is made by our migrations, so that look is dropped (its failure is
 * only logged) and each call meets the database as it is now. And each call reports a failure
 * to express-session's callback only, never also as a rejected promise nobody awaits.
 */
export class HealingSessionStore extends ConnectSessionKnexStore {
  constructor(opts: { db: Db; logger: Logger; cleanupIntervalMs: number }) {
    super({
      knex: opts.db,
      tableName: 'sessions',
      createTable: false,
      cleanupInterval: opts.cleanupIntervalMs,
      onDbCleanupError: (err: unknown) => opts.logger.warn({ err }, 'removing expired sessions failed'),
    });
    const firstLook = this.ready;
    this.ready = Promise.resolve();
    firstLook.catch((err: unknown) => {
      opts.logger.warn({ err }, 'the sessions table could not be checked at start; sessions are tried on each request');
      // The base class starts its cleanup timer only after a good first look: start it anyway.
      void (this as unknown as { dbCleanup(): Promise<void> }).dbCleanup();
    });
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void) {
    return reported(super.get(sid, callback), callback) as Promise<SessionData | null>;
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void) {
    return reported(super.set(sid, session, callback), callback) as Promise<void>;
  }

  override destroy(sid: string, callback?: (err?: unknown) => void) {
    return reported(super.destroy(sid, callback), callback) as Promise<number>;
  }

  override length(callback: (err: unknown, length?: number) => void) {
    return reported(super.length(callback), callback) as Promise<number | undefined>;
  }

  override clear(callback?: (err?: unknown) => void) {
    return reported(super.clear(callback), callback) as Promise<number>;
  }

  override all(callback: Parameters<ConnectSessionKnexStore['all']>[0]) {
    return reported(super.all(callback), callback) as Promise<unknown[]>;
  }

  /** The base class neither catches a failed touch nor tells the callback: both are done here. */
  override async touch(sid: string, session: SessionData & { cookie: Cookie }, callback?: (err?: unknown) => void): Promise<void> {
    try {
      await super.touch(sid, session);
    } catch (err) {
      callback?.(err);
      return;
    }
    callback?.();
  }
}
