import type { Knex } from 'knex';
import { lockedForUpdate } from '../db/dialect';
import { insertIgnoredReturningId } from '../db/insert';

export type CustomerRow = { id: number; email: string; name: string; language: string };

export async function findCustomerByEmail(db: Knex, email: string): Promise<CustomerRow | undefined> {
  return db('customers')
    .where({ email: email.toLowerCase() })
    .first<CustomerRow | undefined>('id', 'email', 'name', 'language');
}

/**
 * The customer with this e-mail address, created on first contact. An existing customer keeps
 * their name and language: anyone can type anyone's address into a form, and must not rename
 * them in their other tickets and mails. Inside a transaction (a new ticket's) two first
 * contacts of one address at once meet on the unique index: the second insert waits for the
 * first transaction and is skipped (nothing aborts), and the row is then read with a lock.
 */
export async function ensureCustomer(
  db: Knex,
  input: { email: string; name: string; language: string },
  now: number,
  /** The caller's own look-up of this address just before (null: none found), so it is not read twice. */
  lookedUp?: CustomerRow | null,
): Promise<number> {
  const email = input.email.toLowerCase();
  const existing = lookedUp === undefined ? await findCustomerByEmail(db, email) : lookedUp;
  if (existing) return Number(existing.id);
  const inserted = await insertIgnoredReturningId(
    db,
    'customers',
    { email, name: input.name, language: input.language, created_at: now, updated_at: now },
    'email',
  );
  if (inserted !== null) return inserted;
  // Someone else's first ticket with this address made the row a moment ago. A locking read: inside
  // a transaction on MariaDB (repeatable read) a plain read could still see the snapshot without it.
  const row = await lockedForUpdate(db, db('customers').where({ email })).first<CustomerRow | undefined>(
    'id',
    'email',
    'name',
    'language',
  );
  if (!row) throw new Error('customer could not be created');
  return Number(row.id);
}

export type CustomerRecord = CustomerRow & { createdAt: number };
const recordColumns = ['id', 'email', 'name', 'language', 'created_at'];
const toRecord = (r: Record<string, unknown>): CustomerRecord => ({
  id: Number(r.id),
  email: String(r.email),
  name: String(r.name),
  language: String(r.language),
  createdAt: Number(r.created_at),
});

export async function findCustomerRecord(db: Knex, id: number): Promise<CustomerRecord | undefined> {
  const row = await db('customers').where({ id }).first(recordColumns);
  return row ? toRecord(row) : undefined;
}

/**
 * The customer with exactly this address. The unique index finds it; the comparison is repeated
 * here because MariaDB's collation would also match "ädmin@" for "admin@".
 */
export async function findCustomerRecordByEmail(db: Knex, email: string): Promise<CustomerRecord | undefined> {
  const wanted = email.toLowerCase();
  const row = await db('customers').where({ email: wanted }).first(recordColumns);
  return row && String(row.email) === wanted ? toRecord(row) : undefined;
}
