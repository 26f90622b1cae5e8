import { systemClock } from '../clock';
import { loadConfig } from '../config/load-config';
import { createKnex } from '../db/knex-factory';
import { runDueJobs } from '../jobs/job-runner';
import { createLogger } from '../logger';
import { resolveFromRoot } from '../paths';
import { SettingsService } from '../settings/settings.service';

/**
 * `npm run cron`: runs every due job once and exits. For hosts that put idle Node apps to sleep,
 * call it from the host's cron every few minutes; it is safe beside running web processes and
 * beside another cron run (leases in the database keep them from sending a mail twice).
 */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.installed) {
    console.error('Tessera is not installed yet: open /install in the browser or run npm run setup.');
    return 1;
  }
  const logger = createLogger(config.log.level);
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2, logger });
  try {
    const settings = new SettingsService(db, () => systemClock.now());
    const report = await runDueJobs({ db, settings, clock: systemClock, logger, config }, { budgetMs: 4 * 60_000 });
    const { sent, deferred, failed } = report.mail;
    console.log(`Mail: ${sent} sent, ${deferred} deferred, ${failed} failed.`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`The jobs failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
