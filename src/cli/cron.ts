import { systemClock } from '../clock';
import { createI18n } from '../i18n/i18n';
import { runDueJobs } from '../jobs/job-runner';
import { createLogger } from '../logger';
import { createServices } from '../web/app-services';
import { runInstalledCommand } from './command';

/**
 * `npm run cron`: runs every due job once and exits. For hosts that put idle Node apps to sleep,
 * call it from the host's cron every few minutes; it is safe beside running web processes and
 * beside another cron run (leases in the database keep them from sending a mail twice). It builds
 * the same services as the web process, so a job that imports mail (IntakeDeps) finds the
 * ticket events and their subscribers there too.
 */
runInstalledCommand('The jobs failed', async ({ config, db }) => {
  const services = createServices({ config, db, logger: createLogger(config.log.level), i18n: createI18n(), clock: systemClock });
  const report = await runDueJobs(services, { budgetMs: 4 * 60_000 });
  const { sent, deferred, failed } = report.mail;
  console.log(`Mail: ${sent} sent, ${deferred} deferred, ${failed} failed.`);
  return 0;
});
