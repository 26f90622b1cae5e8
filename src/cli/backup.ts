import fs from 'node:fs';
import path from 'node:path';
import { runBackup } from '../backup/backup.service';
import { resolveFromRoot } from '../paths';
import { runInstalledCommand } from './command';

/**
 * `npm run backup [-- --out FILE]`: one portable archive of every table and attachment file.
 * Without --out it goes to backups/ in the data folder, named by the time it was made.
 */
runInstalledCommand('Backup failed', async ({ config, db }) => {
  const i = process.argv.indexOf('--out');
  if (i >= 0 && !process.argv[i + 1]) {
    console.error('Usage: npm run backup [-- --out FILE]');
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out =
    i >= 0
      ? path.resolve(process.argv[i + 1]!)
      : path.join(resolveFromRoot(config.paths.data), 'backups', `tessera-${stamp}.jsonl.gz`);
  fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  const result = await runBackup(db, resolveFromRoot(config.paths.attachments), out);
  const rows = Object.values(result.manifest.tables).reduce((a, b) => a + b, 0);
  console.log(
    `Backup written: ${result.file}\n  ${result.bytes} bytes, ${rows} rows in ${Object.keys(result.manifest.tables).length} tables, ${Object.keys(result.manifest.files).length} files, schema ${result.schema}`,
  );
  return 0;
});
