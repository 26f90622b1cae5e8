import type { AppConfig } from '../config/config.schema';
import { loadConfig } from '../config/load-config';
import type { Db } from '../db/db';
import { createKnex } from '../db/knex-factory';
import { resolveFromRoot } from '../paths';

/** Runs a command and exits with its code; a failure is one line on stderr and exit code 1. */
export function runCommand(failure: string, command: () => Promise<number>): void {
  command().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${failure}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

/**
 * A command on an installed help desk: refuses to run before installation, opens a small pool
 * for the command and closes it afterwards, whatever happens.
 */
export function runInstalledCommand(
  failure: string,
  command: (ctx: { config: AppConfig; db: Db }) => Promise<number>,
): void {
  runCommand(failure, async () => {
    const config = loadConfig();
    if (!config.installed) {
      console.error('Tessera is not installed yet: open /install in the browser or run npm run setup.');
      return 1;
    }
    const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
    try {
      return await command({ config, db });
    } finally {
      await db.destroy();
    }
  });
}
