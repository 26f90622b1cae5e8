import type { Knex } from 'knex';

/**
 * Mailboxes that the fetch job reads (IMAP or POP3), set up by an administrator on
 * /admin/mailboxes. They supersede the single `fetch.*` setting of before: one configured there
 * is copied into a mailbox row here, switched OFF (it never ran; the admin checks it with
 * "Test connection" and switches it on), with its stored password when that was encrypted.
 *
 * Never importing one message twice rests on three things: the import de-duplicates by
 * Message-ID (inbound_mails.dedupe_key), IMAP keeps a watermark per folder (UIDVALIDITY and the
 * highest UID done: `imap_uidvalidity`, `imap_last_uid`), and POP3 keeps the UIDLs it has done
 * (`mailbox_pop3_seen`, SHA-256 of the UIDL, so MariaDB's case-folding collation cannot call
 * two UIDLs one; rows of messages no longer on the server are removed at the next fetch).
 * `lease_until`/`leased_by`: the fetch job's claim (one process per mailbox at a time).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('mailboxes', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('protocol', 8).notNullable(); // imap | pop3
    t.string('host', 255).notNullable();
    t.integer('port').notNullable();
    t.string('security', 10).notNullable(); // tls | starttls | none
    t.string('username', 255).notNullable();
    t.text('password_encrypted'); // encryptTotpSecret(signing secret, password); null: none stored
    t.string('address', 254); // where customers write to (for the loop check); null: the user name if it is an address
    t.string('folder', 255).notNullable().defaultTo('INBOX');
    t.string('after_import', 16).notNullable(); // keep | mark_seen | move | delete
    t.string('move_to', 255);
    t.integer('category_id').unsigned().references('id').inTable('categories').onDelete('SET NULL');
    t.integer('priority_id').unsigned().references('id').inTable('priorities').onDelete('SET NULL');
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('next_fetch_at').notNullable().defaultTo(0);
    t.bigInteger('last_fetch_at');
    t.bigInteger('last_success_at');
    t.string('last_error', 500);
    t.integer('last_imported').notNullable().defaultTo(0);
    t.bigInteger('imap_uidvalidity');
    t.bigInteger('imap_last_uid').notNullable().defaultTo(0);
    t.bigInteger('lease_until');
    t.string('leased_by', 64);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['active', 'next_fetch_at'], 'mailboxes_due_idx');
  });

  await db.schema.createTable('mailbox_pop3_seen', (t) => {
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.string('uidl_hash', 64).notNullable();
    t.bigInteger('seen_at').notNullable();
    t.primary(['mailbox_id', 'uidl_hash']);
  });

  await copyLegacyFetchSetting(db);
}

type Legacy = Record<string, unknown>;

async function copyLegacyFetchSetting(db: Knex): Promise<void> {
  const rows = await db('settings')
    .where('key', 'like', 'fetch.%')
    .select<Array<{ key: string; value: string }>>('key', 'value');
  const legacy: Legacy = {};
  for (const r of rows) {
    try {
      legacy[r.key] = JSON.parse(r.value) as unknown;
    } catch {
      /* an unreadable value is left out */
    }
  }
  const protocol = legacy['fetch.protocol'];
  const host = legacy['fetch.host'];
  if ((protocol !== 'imap' && protocol !== 'pop3') || typeof host !== 'string' || host === '') return;
  const str = (key: string, fallback: string) => (typeof legacy[key] === 'string' ? (legacy[key] as string) : fallback);
  const port = Number(legacy['fetch.port']);
  const security = str('fetch.security', 'tls');
  const password = legacy['fetch.password'];
  const sealed =
    typeof password === 'object' &&
    password !== null &&
    typeof (password as { encrypted?: unknown }).encrypted === 'string'
      ? (password as { encrypted: string }).encrypted
      : null;
  const now = Date.now();
  await db('mailboxes').insert({
    name: `${str('fetch.user', host)}`.slice(0, 100),
    protocol,
    host: host.slice(0, 255),
    port: Number.isInteger(port) && port >= 1 && port <= 65535 ? port : protocol === 'imap' ? 993 : 995,
    security: ['tls', 'starttls', 'none'].includes(security) ? security : 'tls',
    username: str('fetch.user', '').slice(0, 255),
    password_encrypted: sealed,
    folder:
      protocol === 'imap'
        ? str('fetch.folder', 'INBOX')
            .replace(/[\r\n]/g, '')
            .slice(0, 255) || 'INBOX'
        : 'INBOX',
    after_import: legacy['fetch.deleteAfterImport'] === true ? 'delete' : protocol === 'imap' ? 'mark_seen' : 'keep',
    active: false,
    created_at: now,
    updated_at: now,
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('mailbox_pop3_seen');
  await db.schema.dropTableIfExists('mailboxes');
}
