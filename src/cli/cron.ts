import { systemClock } from '../clock';
import { runDueJobs } from '../jobs/job-runner';
import { createLogger } from '../logger';
import { SettingsService } from '../settings/settings.service';
import { runInstalledCommand } from './command';

/**
 * `npm run cron`: runs every due job once and exits. For hosts that put idle Node apps to sleep,
 * call it from the host's cron every few minutes; it is safe beside running web processes and
 * beside another cron run (leases in the database keep them from sending a mail twice).
 */
runInstalledCommand('The jobs failed', async ({ config, db }) => {
  const settings = new SettingsService(db, () => systemClock.now(), config.secrets.signing);
  const logger = createLogger(config.log.level);
  const report = await runDueJobs({ db, settings, clock: systemClock, logger, config }, { budgetMs: 4 * 60_000 });
  const { sent, deferred, failed } = report.mail;
  console.log(`Mail: ${sent} sent, ${deferred} deferred, ${failed} failed.`);
  return 0;
});
