import { RestoreError, restoreBackup } from '../db/backup/restore';
import { loadConfig } from '../config/load-config';
import { createKnex } from '../db/knex-factory';
import { resolveFromRoot } from '../paths';
import { runCommand } from './command';

/**
 * `npm run restore -- FILE`: loads a backup into the configured database, which must be empty
 * (a new database, e.g. on MariaDB when moving off SQLite). Exit 0 restored, 1 failed (with what
 * the database holds now), 2 usage.
 */
runCommand('Restore failed', async () => {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('Usage: npm run restore -- FILE');
    return 2;
  }
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  try {
    const result = await restoreBackup(db, resolveFromRoot(config.paths.attachments), file);
    const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
    console.log(`Restored ${rows} rows and ${result.files} files (schema ${result.schema}).`);
    if (result.migratedAfter.length) console.log(`Then applied:\n  ${result.migratedAfter.join('\n  ')}`);
    return 0;
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    console.error(`Restore failed: ${err.message}\n${err.state}`);
    return 1;
  } finally {
    await db.destroy();
  }
});
