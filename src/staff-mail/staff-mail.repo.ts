import type { Knex } from 'knex';

/** The staff member's current reply key version (0 for an unknown id: nothing signed for it verifies anyway). */
export async function replyKeyVersionOf(db: Knex, staffId: number): Promise<number> {
  const row = await db('staff_users')
    .where({ id: staffId })
    .first<{ reply_key_version: number } | undefined>('reply_key_version');
  return row ? Number(row.reply_key_version) : 0;
}

/** Kills every reply address handed out to the staff member so far. */
export async function raiseReplyKeyVersion(db: Knex, staffId: number): Promise<void> {
  await db('staff_users')
    .where({ id: staffId })
    .update({ reply_key_version: db.raw('reply_key_version + 1') });
}

/** Whether the same answer was posted within the window (a replay under a new Message-ID). */
export async function recentReplyDigest(db: Knex, digest: string, since: number): Promise<boolean> {
  return Boolean(await db('staff_reply_digests').where({ digest }).where('created_at', '>=', since).first('digest'));
}

/**
 * Records an answer's digest in the reply's transaction, dropping digests older than the window
 * first. Two copies imported at the same moment meet the primary key: one of them is not posted.
 * `replace`: a replay that staff chose to post (a retry) moves the existing digest to now instead.
 */
export async function recordReplyDigest(
  trx: Knex,
  digest: string,
  now: number,
  since: number,
  replace = false,
): Promise<void> {
  await trx('staff_reply_digests').where('created_at', '<', since).del();
  const insert = trx('staff_reply_digests').insert({ digest, created_at: now });
  await (replace ? insert.onConflict('digest').merge(['created_at']) : insert);
}
