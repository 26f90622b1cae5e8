import type { Knex } from 'knex';

/**
 * The IMAP IDLE listener's lease on a mailbox (columns of `mailboxes`): one process at a time
 * keeps a listening connection. Separate from the fetch lease (`lease_until` / `leased_by`): a
 * fetch woken by the listener claims that one like any polling run.
 */
export type ListenLease = { worker: string; until: number };

const listenable = (q: Knex.QueryBuilder) => q.where({ active: true, protocol: 'imap', idle_missing: false });
const listenFree = (now: number) => (q: Knex.QueryBuilder) =>
  q.whereNull('listen_until').orWhere('listen_until', '<', now);

/** Active IMAP mailboxes that offer IDLE (or were not asked yet) and that nobody listens to. */
export async function unlistenedMailboxIds(db: Knex, now: number, limit: number): Promise<number[]> {
  const ids = await db('mailboxes')
    .where(listenable)
    .where(listenFree(now))
    .orderBy('id')
    .limit(limit)
    .pluck<number[]>('id');
  return ids.map(Number);
}

/** Takes the listening of a mailbox: one conditional UPDATE, so two processes never both listen. */
export async function claimListening(db: Knex, id: number, lease: ListenLease, now: number): Promise<boolean> {
  const taken = await db('mailboxes')
    .where({ id })
    .where(listenable)
    .where(listenFree(now))
    .update({ listen_until: lease.until, listened_by: lease.worker, listening_since: null });
  return Number(taken) === 1;
}

/**
 * Extends the hold; false when the mailbox was edited (which drops the lease), switched off,
 * deleted or taken over: the listener then closes its connection.
 */
export async function renewListening(db: Knex, id: number, lease: ListenLease): Promise<boolean> {
  return (
    Number(
      await db('mailboxes')
        .where({ id, listened_by: lease.worker })
        .where(listenable)
        .update({ listen_until: lease.until }),
    ) === 1
  );
}

/** The IDLE connection is up (a time) or down (null), for /admin/mailboxes. */
export async function markListening(db: Knex, id: number, worker: string, since: number | null): Promise<boolean> {
  return Number(await db('mailboxes').where({ id, listened_by: worker }).update({ listening_since: since })) === 1;
}

/** The server offers no IDLE: polled only, until the mailbox is saved again. */
export async function markIdleMissing(db: Knex, id: number, worker: string): Promise<void> {
  await db('mailboxes')
    .where({ id, listened_by: worker })
    .update({ idle_missing: true, listen_until: null, listened_by: null, listening_since: null });
}

export async function releaseListening(db: Knex, id: number, worker: string): Promise<void> {
  await db('mailboxes')
    .where({ id, listened_by: worker })
    .update({ listen_until: null, listened_by: null, listening_since: null });
}

/** What a saved form does to the listening: the holder closes and the next claim uses the new settings. */
export const listeningReset = {
  listen_until: null,
  listened_by: null,
  listening_since: null,
  idle_missing: false,
} as const;
