import type { Cookie, SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Db } from '../../db/db';
import { isMissingColumn } from '../../db/dialect';
import type { Logger } from '../../logger';
import { clientKey } from '../../security/client-key';
import { readSessionRow, writeSessionWithinCap, type SessionOwner } from '../../sessions/sessions.repo';

/** How many live sessions one staff member, and one client address otherwise, may hold. */
export type SessionCaps = { perStaff: number; perClient: number };

/**
 * With a callback, the callback has been given the error already: the returned promise (which
 * express-session drops) must not reject on top of it, or every failed read of a session during
 * a database outage becomes an unhandled rejection. Without a callback the caller awaits it.
 */
function reported<T>(work: Promise<T>, callback: unknown): Promise<T | undefined> {
  return typeof callback === 'function' ? work.catch(() => undefined) : work;
}

/** Session objects express-session made from a stored row (weakly held: they go with their request). */
const fromStore = new WeakSet<object>();

/**
 * Whether this session was read from the store in this request, i.e. its id came with the
 * request's cookie. A session that was not (no cookie, an unknown or expired id, or one just
 * regenerated) has an id express-session drew at random in this request and has not sent to
 * anyone yet: no one can have planted it.
 */
export function isStoredSession(session: object | undefined): boolean {
  return session !== undefined && fromStore.has(session);
}

/** Sessions read and awaiting their touch, at most (a process serves far fewer at once). */
const maxRemembered = 10_000;

/** Whether a touch would move the stored expiry by more than a minute (or a tenth of the idle time). */
function expiryMovesFar(storedExpiry: number, cookie: Cookie): boolean {
  if (!cookie.expires) return true;
  const step = Math.min(60_000, (cookie.originalMaxAge ?? 0) / 10);
  return new Date(cookie.expires).getTime() - storedExpiry > step;
}

/**
 * The owner a session row counts against. The staff member is the one passport keeps (an object
 * with the id, or the bare id of older sessions). The address is that of the request that writes
 * the session: express-session's Session carries its request as the non-enumerable `req` (it is
 * how Session#save reaches the store), so nothing extra is kept in the session itself.
 */
function ownerOf(session: SessionData): SessionOwner {
  const user = (session as { passport?: { user?: unknown } }).passport?.user;
  const id = typeof user === 'number' ? user : (user as { id?: unknown } | undefined)?.id;
  const req = (session as { req?: { ip?: string } }).req;
  return { staffId: typeof id === 'number' ? id : null, client: req ? clientKey(req.ip) : null };
}

/**
 * connect-session-knex 5 with what it lacks for a process that must outlive its database, and
 * for a table that anyone on the internet adds rows to.
 *
 * It looks at its table once, when created, and re-threw that first failure on every later read
 * for the life of the process: a process started during an outage never let anyone sign in
 * again. The table is made by our migrations, so that look's failure is only logged (`ready`
 * says how it went) and each call meets the database as it is now. Each call reports a failure to
 * express-session's callback only, never also as a rejected promise nobody awaits.
 *
 * Rows are bounded: each is written with its owner (the signed-in staff member, else the client
 * address), and writing one ends that owner's least recently used sessions beyond its cap (in the
 * same commit). Its own timer that deleted every expired row in one statement is off:
 * src/jobs/cleanup.ts sweeps them in bounded batches (sessions.repo.ts).
 *
 * A page view moves the row's expiry (rolling idle timeout) only when it would move it by more
 * than a minute (a tenth of the idle time if that is shorter): a reader clicking through a ticket
 * costs one read per page instead of a read and a write (issue 16). The expiry read with the
 * session is kept until the same request's touch, in this process only; every request still
 * reads the row from the database, so any number of processes share the sessions. The idle
 * timeout may end a session up to that step earlier than the cookie's Expires says.
 */
export class HealingSessionStore extends ConnectSessionKnexStore {
  private readonly db: Db;
  private readonly caps: SessionCaps;
  /** The stored expiry of sessions read and not yet touched or saved, by sid (requests in flight). */
  private readonly readExpiry = new Map<string, number>();

  constructor(opts: { db: Db; logger: Logger; caps: SessionCaps }) {
    super({ knex: opts.db, tableName: 'sessions', createTable: false, cleanupInterval: 0 });
    this.db = opts.db;
    this.caps = opts.caps;
    // The base class's look at the table (rejected when the table or the database is missing)
    // becomes `ready`: true once the table was found, false when the look failed. The base
    // class's own methods await it; a failure is logged, never kept, so a process started during
    // an outage or before its migrations serves sessions as soon as the table answers.
    this.ready = this.ready.then(
      () => true,
      (err: unknown) => {
        opts.logger.warn(
          { err },
          'the sessions table could not be checked at start; sessions are tried on each request',
        );
        return false;
      },
    );
  }

  /** The start-up check of the sessions table: true when it was there, false when it could not be read. */
  declare ready: Promise<boolean>;

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void) {
    const work = readSessionRow(this.db, sid, Date.now()).then(
      (row) => {
        if (row) this.rememberExpiry(sid, row.expiresAt);
        const session = (row?.data ?? null) as SessionData | null;
        callback(null, session);
        return session;
      },
      (err: unknown) => {
        callback(err);
        throw err;
      },
    );
    return reported(work, callback) as Promise<SessionData | null>;
  }

  /** express-session makes a request's Session from a stored row here (and only here). */
  override createSession(req: Parameters<ConnectSessionKnexStore['createSession']>[0], data: SessionData) {
    const session = super.createSession(req, data);
    fromStore.add(session);
    return session;
  }

  private rememberExpiry(sid: string, expiresAt: number): void {
    // Entries live from a request's read to its touch or save; one left by an aborted request
    // must not pile up.
    if (this.readExpiry.size >= maxRemembered) this.readExpiry.clear();
    this.readExpiry.set(sid, expiresAt);
  }

  /** Replaces the base class's upsert: the row is written with its owner, then the owner's cap is kept. */
  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void) {
    this.readExpiry.delete(sid);
    const work = this.write(sid, session).then(
      () => callback?.(),
      (err: unknown) => {
        callback?.(err);
        throw err;
      },
    );
    return reported(work, callback) as Promise<void>;
  }

  private async write(sid: string, session: SessionData): Promise<void> {
    const owner = ownerOf(session);
    // As the base class: a session cookie without maxAge is kept for a day.
    const expiresAt = Date.now() + (session.cookie.maxAge || 86_400_000);
    const keep = owner.staffId !== null ? this.caps.perStaff : this.caps.perClient;
    try {
      await writeSessionWithinCap(this.db, { sid, data: JSON.stringify(session), expiresAt, owner }, keep);
    } catch (err) {
      if (!isMissingColumn(err)) throw err;
      // Migrations are pending (the owner columns are not there yet): admins must still sign in
      // to apply them, so the row is stored as before, without its owner or the cap.
      await super.set(sid, session);
    }
  }

  override destroy(sid: string, callback?: (err?: unknown) => void) {
    this.readExpiry.delete(sid);
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
  override async touch(
    sid: string,
    session: SessionData & { cookie: Cookie },
    callback?: (err?: unknown) => void,
  ): Promise<void> {
    const stored = this.readExpiry.get(sid);
    this.readExpiry.delete(sid);
    if (stored !== undefined && !expiryMovesFar(stored, session.cookie)) {
      callback?.();
      return;
    }
    try {
      await super.touch(sid, session);
    } catch (err) {
      callback?.(err);
      return;
    }
    callback?.();
  }
}
