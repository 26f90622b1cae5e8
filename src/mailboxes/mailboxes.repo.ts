import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import { bumpSettingsRevision } from '../settings/settings.repo';
import { listeningReset } from './mailbox-listening.repo';
import type { AfterImport, MailboxInput, MailProtocol, MailSecurity } from './mailboxes.schema';

export type MailboxRow = {
  id: number;
  name: string;
  protocol: MailProtocol;
  host: string;
  port: number;
  security: MailSecurity;
  username: string;
  password_encrypted: string | null;
  address: string | null;
  folder: string;
  after_import: AfterImport;
  move_to: string | null;
  category_id: number | null;
  priority_id: number | null;
  active: boolean;
  next_fetch_at: number;
  last_fetch_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_imported: number;
  imap_uidvalidity: string | null;
  imap_last_uid: number;
  lease_until: number | null;
  leased_by: string | null;
  listen_until: number | null;
  listened_by: string | null;
  listening_since: number | null;
  idle_missing: boolean;
  created_at: number;
  updated_at: number;
};

/** A mailbox's settings as the form gives them (without the password, sealed apart). */
export type MailboxValues = Omit<MailboxInput, 'password'>;

/** A worker's hold on a mailbox while it fetches. */
export type MailboxLease = { worker: string; until: number };

/** Rows as every driver returns them: numbers as numbers, booleans as booleans. */
function normal(r: Record<string, unknown>): MailboxRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ...(r as MailboxRow),
    id: Number(r.id),
    port: Number(r.port),
    category_id: num(r.category_id),
    priority_id: num(r.priority_id),
    active: Boolean(r.active),
    next_fetch_at: Number(r.next_fetch_at),
    last_fetch_at: num(r.last_fetch_at),
    last_success_at: num(r.last_success_at),
    last_imported: Number(r.last_imported),
    imap_uidvalidity:
      r.imap_uidvalidity === null || r.imap_uidvalidity === undefined ? null : String(r.imap_uidvalidity),
    imap_last_uid: Number(r.imap_last_uid),
    lease_until: num(r.lease_until),
    listen_until: num(r.listen_until),
    listening_since: num(r.listening_since),
    idle_missing: Boolean(r.idle_missing),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}

/** The form's names are the columns' names, but for four in camelCase. */
const columns = ({ afterImport, moveTo, categoryId, priorityId, ...same }: MailboxValues) => ({
  ...same,
  after_import: afterImport,
  move_to: moveTo,
  category_id: categoryId,
  priority_id: priorityId,
});

export async function listMailboxes(db: Knex): Promise<MailboxRow[]> {
  const rows = await db('mailboxes')
    .orderBy([{ column: 'name' }, { column: 'id' }])
    .select<Record<string, unknown>[]>('*');
  return rows.map(normal);
}

export async function findMailbox(db: Knex, id: number): Promise<MailboxRow | null> {
  const row = await db('mailboxes').where({ id }).first<Record<string, unknown> | undefined>('*');
  return row ? normal(row) : null;
}

export async function insertMailbox(
  db: Knex,
  values: MailboxValues,
  passwordEncrypted: string | null,
  now: number,
): Promise<number> {
  const id = await insertReturningId(db, 'mailboxes', {
    ...columns(values),
    password_encrypted: passwordEncrypted,
    next_fetch_at: 0,
    created_at: now,
    updated_at: now,
  });
  await bumpSettingsRevision(db, now); // their addresses are kept beside the settings (ownMailboxAddresses)
  return id;
}

/**
 * Saves the form. `passwordEncrypted` undefined keeps the stored password. A change of server,
 * user or folder starts the IMAP watermark again (UIDs belong to one folder of one server); the
 * import's de-duplication keeps mail already taken from being imported again. The IDLE
 * listener's lease is dropped: its holder closes the connection and the next claim listens with
 * the new settings.
 */
export async function updateMailbox(
  db: Knex,
  id: number,
  values: MailboxValues,
  passwordEncrypted: string | null | undefined,
  resetPosition: boolean,
  now: number,
): Promise<void> {
  await db('mailboxes')
    .where({ id })
    .update({
      ...columns(values),
      ...(passwordEncrypted === undefined ? {} : { password_encrypted: passwordEncrypted }),
      ...(resetPosition ? { imap_uidvalidity: null, imap_last_uid: 0 } : {}),
      ...listeningReset,
      next_fetch_at: 0,
      last_error: null,
      updated_at: now,
    });
  if (resetPosition) await db('mailbox_pop3_seen').where({ mailbox_id: id }).del();
  await bumpSettingsRevision(db, now);
}

export async function deleteMailbox(db: Knex, id: number, now: number): Promise<void> {
  await db('mailbox_pop3_seen').where({ mailbox_id: id }).del();
  await db('mailboxes').where({ id }).del();
  await bumpSettingsRevision(db, now);
}

/** Every mailbox's address (or user name, when that is an address): mail from them is our own. */
export async function mailboxAddresses(db: Knex): Promise<string[]> {
  const rows = await db('mailboxes').select<Array<{ address: string | null; username: string }>>('address', 'username');
  const out = new Set<string>();
  for (const r of rows) {
    const a = (r.address ?? '').trim().toLowerCase();
    if (a) out.add(a);
    const u = r.username.trim().toLowerCase();
    if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u)) out.add(u);
  }
  return [...out];
}

const isFree = (now: number) => (q: Knex.QueryBuilder) => q.whereNull('lease_until').orWhere('lease_until', '<', now);

/** Active mailboxes whose next fetch is due and that nobody holds, soonest first. */
export async function dueMailboxIds(db: Knex, now: number, limit: number): Promise<number[]> {
  const ids = await db('mailboxes')
    .where({ active: true })
    .where('next_fetch_at', '<=', now)
    .where(isFree(now))
    .orderBy([{ column: 'next_fetch_at' }, { column: 'id' }])
    .limit(limit)
    .pluck<number[]>('id');
  return ids.map(Number);
}

/**
 * Takes a mailbox for one worker: one conditional UPDATE that succeeds only while nobody
 * holds it and it is due (or `evenIfNotDue`: the IDLE listener heard of new mail), so two
 * processes never fetch one mailbox at once.
 */
export async function claimMailbox(
  db: Knex,
  id: number,
  lease: MailboxLease,
  now: number,
  opts: { evenIfNotDue?: boolean } = {},
): Promise<MailboxRow | null> {
  const taken = await db('mailboxes')
    .where({ id, active: true })
    .modify((q) => {
      if (!opts.evenIfNotDue) q.where('next_fetch_at', '<=', now);
    })
    .where(isFree(now))
    .update({ lease_until: lease.until, leased_by: lease.worker });
  if (Number(taken) !== 1) return null;
  const row = await db('mailboxes')
    .where({ id, leased_by: lease.worker })
    .first<Record<string, unknown> | undefined>('*');
  return row ? normal(row) : null;
}

/** Extends the hold; false when the mailbox is no longer this worker's. */
export async function renewMailboxLease(db: Knex, id: number, lease: MailboxLease): Promise<boolean> {
  return (
    Number(await db('mailboxes').where({ id, leased_by: lease.worker }).update({ lease_until: lease.until })) === 1
  );
}

/** Records the highest IMAP UID done (under the lease); false when the lease was lost. */
export async function saveImapPosition(
  db: Knex,
  id: number,
  worker: string,
  uidValidity: string,
  lastUid: number,
): Promise<boolean> {
  return (
    Number(
      await db('mailboxes')
        .where({ id, leased_by: worker })
        .update({ imap_uidvalidity: uidValidity, imap_last_uid: lastUid }),
    ) === 1
  );
}

export type FetchOutcome = { error: string | null; imported: number; nextFetchAt: number };

/** Gives the mailbox back with the run's outcome. */
export async function releaseMailbox(
  db: Knex,
  id: number,
  worker: string,
  outcome: FetchOutcome,
  now: number,
): Promise<void> {
  await db('mailboxes')
    .where({ id, leased_by: worker })
    .update({
      lease_until: null,
      leased_by: null,
      last_fetch_at: now,
      next_fetch_at: outcome.nextFetchAt,
      last_error: outcome.error === null ? null : outcome.error.slice(0, 500),
      last_imported: outcome.imported,
      ...(outcome.error === null ? { last_success_at: now } : {}),
    });
}

/** The POP3 messages already done in a mailbox (SHA-256 of their UIDL). */
export async function pop3SeenHashes(db: Knex, mailboxId: number): Promise<Set<string>> {
  return new Set(await db('mailbox_pop3_seen').where({ mailbox_id: mailboxId }).pluck<string[]>('uidl_hash'));
}

export async function addPop3Seen(db: Knex, mailboxId: number, uidlHash: string, now: number): Promise<void> {
  await db('mailbox_pop3_seen')
    .insert({ mailbox_id: mailboxId, uidl_hash: uidlHash, seen_at: now })
    .onConflict(['mailbox_id', 'uidl_hash'])
    .ignore();
}

/** Forgets messages no longer on the server: the list never outgrows the mailbox. */
export async function forgetPop3Seen(db: Knex, mailboxId: number, uidlHashes: string[]): Promise<void> {
  for (let i = 0; i < uidlHashes.length; i += 500) {
    await db('mailbox_pop3_seen')
      .where({ mailbox_id: mailboxId })
      .whereIn('uidl_hash', uidlHashes.slice(i, i + 500))
      .del();
  }
}
