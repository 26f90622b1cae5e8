import type { Knex } from 'knex';
import { dropIndexIfExists } from '../src/db/indexes';

/**
 * Identical files are stored once: one blob per content (SHA-256) in the attachment store, and
 * any number of attachment rows (each with its own file name) pointing at its storage key. A
 * blob goes when the last row using it goes (src/attachments/stored-files.ts says how that
 * stays safe while another request attaches the same content).
 *
 * Rows of files uploaded twice before this release are pointed at the first copy; the other
 * copies stay on disk unused (the database no longer names them).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('attachment_blobs', (t) => {
    t.bigIncrements('id').primary();
    t.string('sha256', 64).notNullable().unique('attachment_blobs_sha256_unique');
    t.string('storage_key', 191).notNullable().unique('attachment_blobs_storage_key_unique');
    t.bigInteger('size_bytes').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('used_at').notNullable(); // the last time a file with this content was attached
  });
  await db.schema.alterTable('attachments', (t) => {
    t.dropUnique(['storage_key']);
    t.index(['storage_key'], 'attachments_storage_key_idx');
  });
  await db.raw(
    'INSERT INTO attachment_blobs (sha256, storage_key, size_bytes, created_at, used_at) ' +
      'SELECT a.sha256, a.storage_key, a.size_bytes, a.created_at, a.created_at FROM attachments a WHERE a.id IN (SELECT MIN(f.id) FROM attachments f GROUP BY f.sha256)',
  );
  await db.raw(
    'UPDATE attachments SET storage_key = (SELECT b.storage_key FROM attachment_blobs b WHERE b.sha256 = attachments.sha256)',
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('attachment_blobs');
  await dropIndexIfExists(db, 'attachments', 'attachments_storage_key_idx');
  if (await db.schema.hasTable('attachments'))
    await db.schema.alterTable('attachments', (t) => t.unique(['storage_key']));
}
