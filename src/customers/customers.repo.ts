import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import { isUniqueViolation } from '../db/dialect';

export type CustomerRow = { id: number; email: string; name: string; language: string };

export async function findCustomerByEmail(db: Knex, email: string): Promise<CustomerRow | undefined> {
  return db('customers').where({ email: email.toLowerCase() }).first<CustomerRow | undefined>('id', 'email', 'name', 'language');
}

/**
 * The customer with this e-mail address, created on first contact. The name and language are
 * refreshed to what they used last. Two first tickets at once meet on the unique e-mail index.
 */
export async function upsertCustomer(trx: Knex, input: { email: string; name: string; language: string }, now: number): Promise<number> {
  const email = input.email.toLowerCase();
  const existing = await findCustomerByEmail(trx, email);
  if (existing) {
    await trx('customers').where({ id: existing.id }).update({ name: input.name, language: input.language, updated_at: now });
    return Number(existing.id);
  }
  try {
    return await insertReturningId(trx, 'customers', { email, name: input.name, language: input.language, created_at: now, updated_at: now });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const row = await findCustomerByEmail(trx, email);
    if (!row) throw err;
    return Number(row.id);
  }
}
