import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import { findActiveCategory } from '../categories/categories.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { decryptTotpSecret, encryptTotpSecret } from '../staff/totp';
import { listPriorities } from '../tickets/statuses.repo';
import {
  deleteMailbox,
  findMailbox,
  insertMailbox,
  updateMailbox,
  type MailboxRow,
  type MailboxValues,
} from './mailboxes.repo';
import { mailboxFormSchema, type MailboxInput } from './mailboxes.schema';
import { testConnection, type ConnectionTest, type ServerAccess } from './mail-servers';

/*
 * Mailboxes are an administrators' area (like the SMTP settings): whoever sets the host of a
 * mailbox receives its stored password at the next fetch or test, so `settings.manage` alone
 * must not reach it. Passwords are encrypted with the function and key of the SMTP password
 * (AES-256-GCM, key from the signing secret) and never sent back to a browser.
 */

export async function mailboxForAdmin(db: Db, id: number): Promise<MailboxRow> {
  const box = Number.isSafeInteger(id) && id > 0 ? await findMailbox(db, id) : null;
  if (!box) throw new NotFoundError();
  return box;
}

/** The stored password in clear; '' when none is stored or it does not decrypt (another key). */
export function mailboxPassword(box: Pick<MailboxRow, 'password_encrypted'>, signingSecret: string): string {
  if (!box.password_encrypted) return '';
  try {
    return decryptTotpSecret(signingSecret, box.password_encrypted);
  } catch {
    return '';
  }
}

/** Where and how a stored mailbox signs in (the fetch job and the IDLE listener). */
export function mailboxAccess(box: MailboxRow, signingSecret: string): ServerAccess {
  return {
    protocol: box.protocol,
    host: box.host,
    port: box.port,
    security: box.security,
    username: box.username,
    password: mailboxPassword(box, signingSecret),
    folder: box.folder,
    moveTo: box.move_to,
  };
}

/**
 * What /admin/mailboxes says of an active mailbox: 'idle' while a process holds an IDLE
 * connection to it (its lease not run out), 'no_idle' when the server offered none, else polled.
 */
export function howMailboxIsRead(box: MailboxRow, now: number): 'idle' | 'no_idle' | 'polled' | null {
  if (!box.active) return null;
  if (box.listening_since !== null && box.listen_until !== null && box.listen_until > now) return 'idle';
  return box.idle_missing ? 'no_idle' : 'polled';
}

/** The form's values for a mailbox (never its password), or a fresh form. */
export function mailboxFormValues(box: MailboxRow | null): Record<string, string> {
  if (!box)
    return {
      name: '',
      protocol: 'imap',
      host: '',
      port: '993',
      security: 'tls',
      username: '',
      password: '',
      address: '',
      folder: 'INBOX',
      after_import: 'mark_seen',
      move_to: '',
      category_id: '',
      priority_id: '',
      active: '1',
    };
  return {
    name: box.name,
    protocol: box.protocol,
    host: box.host,
    port: String(box.port),
    security: box.security,
    username: box.username,
    password: '',
    address: box.address ?? '',
    folder: box.folder,
    after_import: box.after_import,
    move_to: box.move_to ?? '',
    category_id: box.category_id === null ? '' : String(box.category_id),
    priority_id: box.priority_id === null ? '' : String(box.priority_id),
    active: box.active ? '1' : '',
  };
}

async function parseForm(db: Db, input: unknown, editing: MailboxRow | null): Promise<MailboxInput> {
  const parsed = mailboxFormSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the mailbox.', fieldErrors(parsed.error));
  const v = parsed.data;
  const errors: Record<string, string> = {};
  if (v.password === '' && !editing?.password_encrypted) errors.password = 'mailboxes.errors.passwordRequired';
  if (v.categoryId !== null && !(await findActiveCategory(db, v.categoryId))) errors.category_id = 'form.invalid';
  if (v.priorityId !== null && !(await listPriorities(db)).some((p) => Number(p.id) === v.priorityId))
    errors.priority_id = 'form.invalid';
  if (Object.keys(errors).length) throw new ValidationError('Check the mailbox.', errors);
  return v;
}

/** The form's values as stored: everything but the password, which is sealed apart. */
const values = ({ password: _password, ...row }: MailboxInput): MailboxValues => row;

/** What the audit log keeps of a mailbox: everything but the password. */
const auditView = (v: MailboxValues) => ({ ...v });

export async function saveMailbox(
  db: Db,
  signingSecret: string,
  actor: AdminActor,
  id: number | null,
  input: unknown,
  now: number,
): Promise<number> {
  const editing = id === null ? null : await mailboxForAdmin(db, id);
  const v = await parseForm(db, input, editing);
  const sealed = v.password === '' ? undefined : encryptTotpSecret(signingSecret, v.password);
  const row = values(v);
  return withTransaction(db, async (trx) => {
    let savedId: number;
    if (!editing) {
      savedId = await insertMailbox(trx, row, sealed ?? null, now);
    } else {
      const moved =
        editing.protocol !== row.protocol ||
        editing.host !== row.host ||
        editing.port !== row.port ||
        editing.username !== row.username ||
        editing.folder !== row.folder;
      await updateMailbox(trx, editing.id, row, sealed, moved, now);
      savedId = editing.id;
    }
    await recordAudit(
      trx,
      {
        actor,
        action: editing ? 'mailbox.changed' : 'mailbox.created',
        target: { type: 'mailbox', id: savedId },
        details: { after: auditView(row), passwordChanged: sealed !== undefined },
        ip: actor.ip ?? undefined,
      },
      now,
    );
    return savedId;
  });
}

export async function removeMailbox(db: Db, actor: AdminActor, id: number, now: number): Promise<void> {
  const box = await mailboxForAdmin(db, id);
  await withTransaction(db, async (trx) => {
    await deleteMailbox(trx, box.id, now);
    await recordAudit(
      trx,
      {
        actor,
        action: 'mailbox.deleted',
        target: { type: 'mailbox', id: box.id },
        details: { name: box.name, host: box.host, username: box.username },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}

/**
 * "Test connection" with the values on the form, before or without saving them. An empty
 * password field on a saved mailbox tests with the stored password, but only while host, port,
 * protocol and user are the stored ones: the saved password is never sent to a host typed into
 * the form (that host would receive it).
 */
export async function testMailboxForm(
  db: Db,
  signingSecret: string,
  id: number | null,
  input: unknown,
): Promise<ConnectionTest> {
  const editing = id === null ? null : await mailboxForAdmin(db, id);
  const parsed = mailboxFormSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the mailbox.', fieldErrors(parsed.error));
  const v = parsed.data;
  let password = v.password;
  if (password === '' && editing) {
    const same =
      editing.protocol === v.protocol &&
      editing.host === v.host &&
      editing.port === v.port &&
      editing.username === v.username &&
      editing.security === v.security;
    if (!same) throw new ValidationError('Check the mailbox.', { password: 'mailboxes.errors.passwordForNewServer' });
    password = mailboxPassword(editing, signingSecret);
  }
  if (password === '')
    throw new ValidationError('Check the mailbox.', { password: 'mailboxes.errors.passwordRequired' });
  const access: ServerAccess = {
    protocol: v.protocol,
    host: v.host,
    port: v.port,
    security: v.security,
    username: v.username,
    password,
    folder: v.folder,
    moveTo: v.moveTo,
  };
  return testConnection(access);
}
