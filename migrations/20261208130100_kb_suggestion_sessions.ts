import type { Knex } from 'knex';

/**
 * Deflection on the new-ticket form (issue 12, item 3): one row per visitor (an HMAC of their
 * form binding, no personal data) who was shown knowledge-base suggestions there, with when they
 * first opened a suggested article and when they still submitted a ticket. Deflected: opened,
 * never submitted.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('kb_suggestion_sessions', (t) => {
    t.string('visitor', 64).primary();
    t.bigInteger('shown_at').notNullable();
    t.bigInteger('opened_at');
    t.bigInteger('submitted_at');
    t.index(['shown_at'], 'kb_suggestion_sessions_shown_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('kb_suggestion_sessions');
}
