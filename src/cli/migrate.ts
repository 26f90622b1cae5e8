import { migrateLatest, pendingMigrations } from '../db/migrate';
import { runInstalledCommand } from './command';

/** `npm run migrate`: applies the migrations the database lacks (`--status` only lists them). */
runInstalledCommand('Migration failed', async ({ db }) => {
  if (process.argv.includes('--status')) {
    const pending = await pendingMigrations(db);
    console.log(pending.length ? `Pending migrations:\n  ${pending.join('\n  ')}` : 'The database is up to date.');
    return 0;
  }
  const applied = await migrateLatest(db);
  console.log(applied.length ? `Applied:\n  ${applied.join('\n  ')}` : 'The database is up to date.');
  return 0;
});
