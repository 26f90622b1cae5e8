import type { Knex } from 'knex';

/**
 * Ending an account's sessions without finding them: sessions live in the `sessions` table as
 * opaque JSON, so instead each signed-in session remembers the account's `sessions_valid_after`
 * as it was at sign-in, and a session whose remembered value is older than the account's is over
 * (checked whenever the session's staff member is loaded). Ending the sessions moves the
 * account's value forward — strictly, so it works within one millisecond and with a frozen test
 * clock — and the session that asked may carry the new value to stay signed in.
 */
export function sessionStillValid(accountValidAfter: number | null, rememberedAtSignIn: number | null): boolean {
  if (accountValidAfter === null) return true;
  return rememberedAtSignIn !== null && rememberedAtSignIn >= accountValidAfter;
}

/**
 * Ends every session of the account; returns the new value, which a session keeping its
 * sign-in stores (see keepCurrentSession in src/web/auth/passport.ts). Run it in the
 * transaction of the change that calls for it (password reset or change, deactivation).
 */
export async function endStaffSessions(db: Knex, staffId: number, now: number): Promise<number> {
  const row = await db('staff_users').where({ id: staffId }).first<{ sessions_valid_after: number | null } | undefined>('sessions_valid_after');
  const previous = row?.sessions_valid_after == null ? 0 : Number(row.sessions_valid_after);
  const next = Math.max(now, previous + 1);
  await db('staff_users').where({ id: staffId }).update({ sessions_valid_after: next });
  return next;
}
