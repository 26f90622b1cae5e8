/**
 * Seeds an installed Tessera database with tickets of the shape in shared/bench/DATA-SHAPE.md
 * (see bench/seeding.ts). Usage (uses the same configuration as the app, e.g. TESSERA_CONFIG_DIR):
 *   npx tsx bench/seed.ts --tickets 10000      (then 100000, 1000000: it adds what is missing)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { resolveFromRoot } from '../src/paths';
import { seedTickets } from './seeding';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tickets: { type: 'string', default: '10000' }, batch: { type: 'string', default: '1000' } },
  });
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  try {
    await seedTickets(db, Number(values.tickets), {
      batch: Number(values.batch),
      onProgress: (have, perSecond) => process.stdout.write(`\r${have} tickets (${perSecond}/s)   `),
    });
    process.stdout.write('\n');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.message ?? err).slice(0, 500));
  process.exit(1);
});
