import type { Knex } from 'knex';

/**
 * Whom a session row belongs to, so the rows can be bounded (src/sessions/sessions.repo.ts):
 * the signed-in staff member, or, for every other session (a customer's ticket access, a
 * half-done sign-in), the client address it was written from, keyed as the rate limits key it
 * (an IPv6 address by its /64). Each index ends with `expired`, the row's last activity plus
 * the idle timeout, so "the least recently used beyond the cap" is read from the index alone.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('sessions', (t) => {
    t.integer('staff_id').unsigned().nullable();
    t.string('client', 64).nullable();
    t.index(['staff_id', 'expired'], 'sessions_staff_expired_idx');
    t.index(['client', 'expired'], 'sessions_client_expired_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('sessions', (t) => {
    t.dropIndex(['staff_id', 'expired'], 'sessions_staff_expired_idx');
    t.dropIndex(['client', 'expired'], 'sessions_client_expired_idx');
  });
  await db.schema.alterTable('sessions', (t) => {
    t.dropColumn('staff_id');
    t.dropColumn('client');
  });
}
