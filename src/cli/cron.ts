import { systemClock } from '../clock';
import { createI18n } from '../i18n/i18n';
import { setTimeout as sleep } from 'node:timers/promises';
import { runDueJobs, startListening } from '../jobs/job-runner';
import { createLogger } from '../logger';
import { createServices } from '../web/app-services';
import { runInstalledCommand } from './command';

/**
 * `npm run cron`: runs every due job once and exits. For hosts that put idle Node apps to sleep,
 * call it from the host's cron every few minutes; it is safe beside running web processes and
 * beside another cron run (leases in the database keep them from sending a mail twice). It builds
 * the same services as the web process, so a job that imports mail (IntakeDeps) finds the
 * ticket events and their subscribers there too.
 *
 * `npm run cron -- --listen=SECONDS` also keeps IMAP IDLE connections open for that long (at
 * most an hour), for hosts that start cron every few minutes and want new mail within seconds
 * meanwhile: call it with a little less than the cron interval. A bare `--listen` listens for the
 * hour, for a supervisor (systemd, a panel's "always on" process) that restarts it and ends it
 * with SIGTERM.
 */
const maxListenSeconds = 3600;

/** `--listen=S` listens S seconds (at most an hour); a bare `--listen` the hour, or until a signal ends it. */
function listenSecondsOf(args: string[]): number {
  const arg = args.find((a) => a === '--listen' || a.startsWith('--listen='));
  if (!arg) return 0;
  if (arg === '--listen') return maxListenSeconds;
  return Math.min(maxListenSeconds, Math.max(0, Number.parseInt(arg.slice('--listen='.length), 10) || 0));
}
const listenSeconds = listenSecondsOf(process.argv.slice(2));

runInstalledCommand('The jobs failed', async ({ config, db }) => {
  const services = createServices({
    config,
    db,
    logger: createLogger(config.log.level),
    i18n: createI18n(),
    clock: systemClock,
  });
  // SIGTERM / SIGINT (the host's cron or a person ends the run) end it early but cleanly: the
  // listener's connections are closed and its leases given back, not left to run out.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const listener = listenSeconds > 0 ? startListening(services) : null;
  try {
    const report = await runDueJobs(services, { budgetMs: 4 * 60_000, stopSignal: stop.signal });
    const { sent, deferred, failed } = report.mail;
    console.log(`Mail: ${sent} sent, ${deferred} deferred, ${failed} failed.`);
    if (report.fetched && report.fetched.mailboxes > 0)
      console.log(
        `Mailboxes: ${report.fetched.mailboxes} checked, ${report.fetched.imported} messages taken, ${report.fetched.failed} with errors.`,
      );
    if (report.spooled && report.spooled.imported > 0)
      console.log(`Mail spool: ${report.spooled.imported} messages imported.`);
    if (listener) await sleep(listenSeconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
  } finally {
    await listener?.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
});
