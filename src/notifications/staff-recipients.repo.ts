import type { Knex } from 'knex';
import type { NotificationSwitch } from '../profile/profile.schema';
import { seesTickets, type StaffWithRole } from '../staff/ticket-viewers';

export type StaffRecipient = { id: number; email: string; name: string; language: string };

const recipientColumns = [
  's.id',
  's.email',
  's.name',
  's.language',
  's.is_admin',
  'r.capabilities as role_capabilities',
];
const toRecipient = (r: Record<string, unknown>): StaffRecipient => ({
  id: Number(r.id),
  email: String(r.email),
  name: String(r.name),
  language: String(r.language),
});

/** Admins, and staff given access to the category. */
const mayWorkCategory = (db: Knex, categoryId: number) => (q: Knex.QueryBuilder) =>
  q
    .where('s.is_admin', true)
    .orWhereExists(db('staff_categories as sc').whereRaw('sc.staff_id = s.id').andWhere('sc.category_id', categoryId));

/**
 * One staff member, if active, still allowed to work the ticket's category and with their
 * switch for this kind of mail on: an owner whose access to the category was taken away is
 * not sent its customers' replies.
 */
export async function recipientIfWanted(
  db: Knex,
  staffId: number,
  categoryId: number,
  wants: NotificationSwitch,
): Promise<StaffRecipient | null> {
  const row = await db('staff_users as s')
    .leftJoin('roles as r', 'r.id', 's.role_id')
    .where({ 's.id': staffId, 's.is_active': true, [`s.${wants}`]: true })
    .andWhere(mayWorkCategory(db, categoryId))
    .first(recipientColumns);
  return row && seesTickets(row as StaffWithRole) ? toRecipient(row) : null;
}

/**
 * Who works a category (admins, and staff given access to it) and wants this kind of mail:
 * active, present (not away), with the switch on and a role that may see tickets.
 */
export async function categoryRecipients(
  db: Knex,
  categoryId: number,
  wants: NotificationSwitch,
): Promise<StaffRecipient[]> {
  const rows = await db('staff_users as s')
    .leftJoin('roles as r', 'r.id', 's.role_id')
    .where({ 's.is_active': true, 's.is_away': false, [`s.${wants}`]: true })
    .andWhere(mayWorkCategory(db, categoryId))
    .orderBy('s.id')
    .select(recipientColumns);
  return (rows as Array<Record<string, unknown> & StaffWithRole>).filter(seesTickets).map(toRecipient);
}

export async function staffName(db: Knex, staffId: number): Promise<string | null> {
  const row = await db('staff_users').where({ id: staffId }).first('name');
  return row ? String(row.name) : null;
}

export async function messageBody(db: Knex, ticketId: number, messageId: number): Promise<string> {
  const row = await db('messages').where({ id: messageId, ticket_id: ticketId }).first('body');
  return row ? String(row.body) : '';
}
