import { loadConfig } from '../config/load-config';
import { createKnex } from '../db/knex-factory';
import { migrateLatest, pendingMigrations } from '../db/migrate';
import { resolveFromRoot } from '../paths';

/** `npm run migrate`: applies the migrations the database lacks (`--status` only lists them). */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.installed) {
    console.error('Tessera is not installed yet: open /install in the browser or run npm run setup.');
    return 1;
  }
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  try {
    if (process.argv.includes('--status')) {
      const pending = await pendingMigrations(db);
      console.log(pending.length ? `Pending migrations:\n  ${pending.join('\n  ')}` : 'The database is up to date.');
      return 0;
    }
    const applied = await migrateLatest(db);
    console.log(applied.length ? `Applied:\n  ${applied.join('\n  ')}` : 'The database is up to date.');
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`Migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
