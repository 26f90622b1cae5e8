import type { Knex } from 'knex';
import type { ProfileDetails, ProfileNotifications } from './profile.schema';

export type Profile = ProfileDetails & ProfileNotifications & { id: number; email: string };

export async function findProfile(db: Knex, staffId: number): Promise<Profile | undefined> {
  const row = await db('staff_users')
    .where({ id: staffId })
    .first(
      'id',
      'email',
      'name',
      'signature',
      'language',
      'notify_assigned',
      'notify_customer_reply',
      'notify_escalated',
      'notify_new_ticket',
      'is_away',
    );
  if (!row) return undefined;
  return {
    id: Number(row.id),
    email: String(row.email),
    name: String(row.name),
    signature: row.signature == null ? '' : String(row.signature),
    language: row.language,
    notify_assigned: Boolean(row.notify_assigned),
    notify_customer_reply: Boolean(row.notify_customer_reply),
    notify_escalated: Boolean(row.notify_escalated),
    notify_new_ticket: Boolean(row.notify_new_ticket),
    is_away: Boolean(row.is_away),
  };
}

export async function updateProfileDetails(
  db: Knex,
  staffId: number,
  details: ProfileDetails,
  now: number,
): Promise<void> {
  await db('staff_users')
    .where({ id: staffId })
    .update({ name: details.name, signature: details.signature || null, language: details.language, updated_at: now });
}

export async function updateNotificationSwitches(
  db: Knex,
  staffId: number,
  values: ProfileNotifications,
  now: number,
): Promise<void> {
  await db('staff_users')
    .where({ id: staffId })
    .update({ ...values, updated_at: now });
}

export async function updatePasswordHash(db: Knex, staffId: number, passwordHash: string, now: number): Promise<void> {
  await db('staff_users').where({ id: staffId }).update({ password_hash: passwordHash, updated_at: now });
}
