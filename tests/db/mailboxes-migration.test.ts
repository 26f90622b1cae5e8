import type { Knex } from 'knex';
import { knownMigrations, migrateLatest, migratorConfig } from '../../src/db/migrate';
import { decryptTotpSecret, encryptTotpSecret } from '../../src/staff/totp';
import { useEmptyDatabase } from '../helpers/test-db';

let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
});

/**
 * The single `fetch.*` setting of before becomes a mailbox row, switched off (it never ran: the
 * admin tests it and switches it on), with its encrypted password carried over as it is.
 */
test('a configured legacy fetch setting becomes a switched-off mailbox with its password', async () => {
  const all = await knownMigrations();
  for (const name of all.slice(0, all.indexOf('20261207110000_mailboxes')))
    await db.migrate.up({ ...migratorConfig(), name });
  const secret = 'k'.repeat(40);
  const now = Date.now();
  const rows: Record<string, unknown> = {
    'fetch.protocol': 'imap',
    'fetch.host': 'imap.example.test',
    'fetch.port': 143,
    'fetch.security': 'starttls',
    'fetch.user': 'help@example.test',
    'fetch.password': { encrypted: encryptTotpSecret(secret, 'old secret') },
    'fetch.folder': 'Support',
    'fetch.deleteAfterImport': true,
  };
  await db('settings').insert(
    Object.entries(rows).map(([key, value]) => ({ key, value: JSON.stringify(value), updated_at: now })),
  );
  await migrateLatest(db);
  const box = await db('mailboxes').first();
  expect(box).toMatchObject({
    protocol: 'imap',
    host: 'imap.example.test',
    port: 143,
    security: 'starttls',
    username: 'help@example.test',
    folder: 'Support',
    after_import: 'delete',
  });
  expect(Boolean(box.active)).toBe(false);
  expect(decryptTotpSecret(secret, box.password_encrypted)).toBe('old secret');
});
