import type { Knex } from 'knex';
import { dateAsISO, expiredCondition } from 'connect-session-knex/dist/utils';
import { withTransaction } from '../db/transaction';

/**
 * The `sessions` rows beyond what connect-session-knex reads and writes itself: their owner
 * columns, the caps on them and the sweep of expired ones. `expired` is kept in the format the
 * store writes and compares (dateAsISO), so both sides read the same column the same way.
 */

/** Whom a row counts against: a signed-in staff member, else the client address it came from. */
export type SessionOwner = { staffId: number | null; client: string | null };

export type SessionRow = { sid: string; data: string; expiresAt: number; owner: SessionOwner };

/** Stores a session with its owner in one statement (a new row, or the same sid updated). */
export async function writeSessionRow(db: Knex, row: SessionRow): Promise<void> {
  await db('sessions')
    .insert({
      sid: row.sid,
      sess: row.data,
      expired: dateAsISO(db, row.expiresAt),
      staff_id: row.owner.staffId,
      client: row.owner.client,
    })
    .onConflict('sid')
    .merge();
}

/** A live session as stored: its data and when the row expires (ms). */
export type StoredSession = { data: unknown; expiresAt: number };

/** The stored expiry as a time: a Date from MySQL and PostgreSQL, dateAsISO's text from SQLite. */
function expiryMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const text = String(value);
  // A UTC "YYYY-MM-DD HH:MM:SS" without zone (MySQL's format, should a driver hand it over as text).
  return Date.parse(/^\d{4}-\d\d-\d\d \d/.test(text) && !/[zZ+]/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

/**
 * Reads a session that has not expired, with the row's expiry: the store's read, compared the
 * way connect-session-knex compares (expiredCondition), plus the `expired` column.
 */
export async function readSessionRow(db: Knex, sid: string, now: number): Promise<StoredSession | null> {
  const row = (await db('sessions')
    .select('sess', 'expired')
    .where('sid', sid)
    .andWhereRaw(expiredCondition(db), [dateAsISO(db, now)])
    .first()) as { sess: unknown; expired: unknown } | undefined;
  if (!row) return null;
  return { data: typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess, expiresAt: expiryMs(row.expired) };
}

/** At most this many rows are removed by one call: a cap is passed by one or two rows at a time. */
const trimBatch = 100;

/**
 * The owner's sessions beyond the newest `keep` (by last activity), never `currentSid`, which
 * counts as one of them. Rows of a staff member count against the staff cap; rows without one
 * against their client address. Read through (staff_id, expired) / (client, expired).
 */
async function sessionsBeyond(db: Knex, owner: SessionOwner, currentSid: string, keep: number): Promise<string[]> {
  const others = db('sessions').select('sid').whereNot('sid', currentSid);
  if (owner.staffId !== null) others.where('staff_id', owner.staffId);
  else if (owner.client !== null) others.where('client', owner.client).whereNull('staff_id');
  else return [];
  const beyond = await others
    .orderBy('expired', 'desc')
    .limit(trimBatch)
    .offset(Math.max(keep - 1, 0));
  return beyond.map((r: { sid: string }) => r.sid);
}

/**
 * Stores a session (writeSessionRow) and keeps its owner within `keep` sessions, ending the least
 * recently used beyond it, in one commit: those beyond the cap are found first by a plain read,
 * then the row is written and they are deleted in one transaction (retried whole on a deadlock).
 * A commit's log flush is what a write costs on MariaDB as installed (bench/RESULTS.md,
 * r12-submit); with nobody beyond the cap the row is written alone, as one statement.
 */
export async function writeSessionWithinCap(db: Knex, row: SessionRow, keep: number): Promise<void> {
  const beyond = await sessionsBeyond(db, row.owner, row.sid, keep);
  if (beyond.length === 0) return writeSessionRow(db, row);
  await withTransaction(db, async (trx) => {
    await writeSessionRow(trx, row);
    await trx('sessions').whereIn('sid', beyond).del();
  });
}

/**
 * Deletes sessions that expired before `now`, at most `batch` rows per statement and
 * `maxBatches` statements per call, so a backlog (after a flood, or a long stop) is worked off
 * over several runs instead of in one long delete that holds locks. Returns how many went.
 */
export async function deleteExpiredSessions(
  db: Knex,
  now: number,
  opts: { batch: number; maxBatches: number },
): Promise<number> {
  const before = dateAsISO(db, now);
  let removed = 0;
  for (let i = 0; i < opts.maxBatches; i++) {
    const sids = (
      await db('sessions').select('sid').where('expired', '<', before).orderBy('expired').limit(opts.batch)
    ).map((r: { sid: string }) => r.sid);
    if (sids.length === 0) break;
    removed += await db('sessions').whereIn('sid', sids).del();
    if (sids.length < opts.batch) break;
  }
  return removed;
}
