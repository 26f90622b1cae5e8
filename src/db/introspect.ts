import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { clientOf } from './dialect';
import { knownMigrations, migrationsTable } from './migrate';

export type Privilege = 'create' | 'alter' | 'index' | 'insert' | 'update' | 'delete' | 'drop';
export const privilegeOrder: Privilege[] = ['create', 'alter', 'index', 'insert', 'update', 'delete', 'drop'];

/**
 * empty: no Tessera tables; installed: a finished install; partial: a Tessera run that stopped
 * midway (ours to clear); conflict: another application's table has a name Tessera needs.
 */
export type ExistingState = 'empty' | 'installed' | 'partial' | 'conflict';

/** Every table the migrations create; a test keeps this list equal to the real schema. */
export const tesseraTables = [
  'settings',
  'staff_users',
  'sessions',
  'rate_limits',
  'statuses',
  'priorities',
  'categories',
  'staff_categories',
  'customers',
  'tickets',
  'messages',
  'attachments',
  'ticket_events',
  'custom_fields',
  'custom_field_categories',
  'custom_field_values',
  'canned_responses',
  'mail_outbox',
  'bans',
  'audit_log',
  'roles',
  'staff_tokens',
  'api_tokens',
  'tags',
  'ticket_tags',
  'tag_categories',
  'staff_list_prefs',
  'saved_views',
  'staff_two_factor',
  'staff_recovery_codes',
  'settings_revision',
  'mail_template_overrides',
  'ticket_time_entries',
  'ticket_links',
  'reply_drafts',
  'ticket_presence',
  'assignment_turns',
  'attachment_blobs',
  'api_idempotency_keys',
  'inbound_mails',
  'ticket_followers',
  'mailboxes',
  'mailbox_pop3_seen',
  'sla_calendars',
  'sla_calendar_categories',
  'sla_policies',
  'sla_clocks',
  'resync_passes',
  'sla_escalation_levels',
  'sla_escalation_due',
  'sla_escalations_done',
  'job_leases',
  'ticket_auto_close',
  'csat_ratings',
  'kb_categories',
  'kb_category_names',
  'kb_articles',
  'kb_article_versions',
  'kb_article_stats',
  'kb_votes',
  'kb_searches',
  'kb_suggestion_sessions',
  'kb_terms',
  'kb_term_sources',
  'kb_revision',
  'kb_article_files',
  'kb_article_daily',
  'staff_reply_digests',
  'backup_runs',
];

/**
 * Tables older migrations made and a later one folded away: an archive of an older Tessera holds
 * them, and a restore creates that version's schema first (src/db/backup).
 */
export const retiredTables = ['sla_resync', 'auto_close_resync'];

export async function serverVersion(db: Knex): Promise<string> {
  const client = clientOf(db);
  if (client === 'sqlite') {
    const rows = (await db.raw('select sqlite_version() as v')) as Array<{ v: string }>;
    return `SQLite ${rows[0]?.v ?? ''}`;
  }
  if (client === 'mysql') {
    const [rows] = (await db.raw('select version() as v')) as [Array<{ v: string }>];
    const v = rows[0]?.v ?? '';
    return /mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`;
  }
  const res = (await db.raw('show server_version')) as { rows: Array<{ server_version: string }> };
  return `PostgreSQL ${res.rows[0]?.server_version ?? ''}`;
}

/** Tries every kind of statement the migrations need on a throw-away table, then removes it. */
export async function checkPrivileges(db: Knex): Promise<Record<Privilege, boolean>> {
  const table = `tessera_probe_${crypto.randomBytes(4).toString('hex')}`;
  const result = Object.fromEntries(privilegeOrder.map((p) => [p, false])) as Record<Privilege, boolean>;
  const attempt = async (p: Privilege, run: () => Promise<unknown>) => {
    try {
      await run();
      result[p] = true;
    } catch {
      result[p] = false;
    }
  };
  await attempt('create', () =>
    db.schema.createTable(table, (t) => {
      t.increments('id');
      t.string('name', 50);
    }),
  );
  if (!result.create) return result;
  await attempt('alter', () =>
    db.schema.alterTable(table, (t) => {
      t.integer('extra');
    }),
  );
  await attempt('index', () =>
    db.schema.alterTable(table, (t) => {
      t.index(['name'], `${table}_name_idx`);
    }),
  );
  await attempt('insert', () => db(table).insert({ name: 'probe' }));
  await attempt('update', () => db(table).update({ name: 'probe2' }));
  await attempt('delete', () => db(table).del());
  await attempt('drop', () => db.schema.dropTable(table));
  if (!result.drop) await db.schema.dropTableIfExists(table).catch(() => undefined);
  return result;
}

/** What is already in the database: nothing of ours, a finished install, or a half-made one. */
export async function existingState(db: Knex): Promise<{ state: ExistingState; pending: number; clash?: string }> {
  if (!(await db.schema.hasTable(migrationsTable))) {
    for (const table of tesseraTables)
      if (await db.schema.hasTable(table)) return { state: 'conflict', pending: 0, clash: table };
    return { state: 'empty', pending: 0 };
  }
  const done = await db(migrationsTable).select<Array<{ name: string }>>('name');
  const known = await knownMigrations();
  const pending = known.filter((m) => !done.some((d) => d.name === m)).length;
  const marker = (await db.schema.hasTable('settings'))
    ? await db('settings').where({ key: 'install.completed_at' }).first('key')
    : undefined;
  return { state: marker ? 'installed' : 'partial', pending };
}
