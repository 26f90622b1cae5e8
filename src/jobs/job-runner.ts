import type { AppConfig } from '../config/config.schema';
import type { DeliveryDeps } from '../mail/delivery';
import { importRawMail, type IntakeDeps } from '../mail-intake/intake.service';
import { sweepLeftovers } from './cleanup';
import { recordSlaBreaches } from './sla-breaches';
import { resyncSlaClocks } from './sla-resync';
import { runSlaEscalations } from './sla-escalations';
import { runAutoClose } from './auto-close';
import { resyncAutoClose } from './auto-close-resync';
import { drainDueMail, type MailDrainSummary } from './mail-delivery';
import { fetchDueMailboxes, type FetchDeps, type FetchSummary } from './mail-fetch';
import { startMailListener, type ListenPolicy, type MailListener } from './mail-listen';
import { importSpool, spoolFolder, type SpoolSummary } from '../mail-intake/spool';
import { resolveFromRoot } from '../paths';
import { refreshStaleKbHtml, syncStaleKbTerms } from '../kb/kb-upkeep.service';

/** The app's services (web process, cron) can also fetch mail; a bare delivery set-up only sends. */
type FetchingJobDeps = DeliveryDeps & IntakeDeps & { config: Pick<AppConfig, 'paths' | 'secrets'> };
export type JobDeps = DeliveryDeps | FetchingJobDeps;
export type JobsReport = {
  mail: MailDrainSummary;
  fetched: FetchSummary | null;
  spooled: SpoolSummary | null;
  swept: { counters: number; files: number };
  slaBreaches: number;
  slaResynced: number;
  slaEscalations: number;
  autoCloseReplanned: number;
  autoClosed: number;
  kbTermsSynced: number;
  kbHtmlRefreshed: number;
};

const canFetch = (deps: JobDeps): deps is FetchingJobDeps =>
  'events' in deps && 'i18n' in deps && 'secrets' in deps.config;

/** What the fetch job needs of the app's services. */
export const fetchDepsOf = (deps: FetchingJobDeps): FetchDeps => ({
  db: deps.db,
  clock: deps.clock,
  logger: deps.logger,
  signingSecret: deps.config.secrets.signing,
  importMail: (raw, origin) => importRawMail(deps, raw, origin),
});

/** The IMAP IDLE listener of this process (nothing to listen with on a bare delivery set-up). */
export const startListening = (deps: JobDeps, policy: Partial<ListenPolicy> = {}): MailListener | null =>
  canFetch(deps) ? startMailListener(fetchDepsOf(deps), policy) : null;

/** The mail bin/tessera-mail-spool left in the data directory's spool. */
export const importSpoolOf = (deps: FetchingJobDeps, opts: { stopSignal?: AbortSignal; budgetMs?: number } = {}) =>
  importSpool(
    { importMail: fetchDepsOf(deps).importMail, now: () => deps.clock.now(), logger: deps.logger },
    spoolFolder(resolveFromRoot(deps.config.paths.data)),
    opts,
  );

/** One job of a run: one that throws is logged and counts as nothing done; the jobs after it still run. */
async function guarded<T>(deps: JobDeps, job: string, nothing: T, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    deps.logger.error({ err, job }, 'job failed; the other jobs go on, this one runs again at the next run');
    return nothing;
  }
}

/** Every job that is due, once: the web process's timer and `npm run cron` both call this. */
export async function runDueJobs(
  deps: JobDeps,
  opts: { stopSignal?: AbortSignal; budgetMs?: number } = {},
): Promise<JobsReport> {
  const noMail: MailDrainSummary = { sent: 0, deferred: 0, failed: 0, batches: 0 };
  const mail = await guarded(deps, 'mail-delivery', noMail, () =>
    drainDueMail(deps, { stopSignal: opts.stopSignal, budgetMs: opts.budgetMs }),
  );
  const fetched = canFetch(deps)
    ? await guarded(deps, 'mail-fetch', null, () =>
        fetchDueMailboxes(fetchDepsOf(deps), { stopSignal: opts.stopSignal, budgetMs: opts.budgetMs }),
      )
    : null;
  const spooled = canFetch(deps) ? await guarded(deps, 'mail-spool', null, () => importSpoolOf(deps, opts)) : null;
  return {
    mail,
    fetched,
    spooled,
    swept: await guarded<JobsReport['swept']>(deps, 'cleanup', { counters: 0, files: 0 }, () => sweepLeftovers(deps)),
    // Due times first follow a policy or calendar edit, then breaches and escalations read them.
    slaResynced: await guarded(deps, 'sla-resync', 0, () => resyncSlaClocks(deps)),
    slaBreaches: await guarded(deps, 'sla-breaches', 0, () => recordSlaBreaches(deps)),
    slaEscalations: canFetch(deps) ? await guarded(deps, 'sla-escalations', 0, () => runSlaEscalations(deps)) : 0,
    // Closing times first follow a change of the days, then the due ones close.
    autoCloseReplanned: await guarded(deps, 'auto-close-resync', 0, () => resyncAutoClose(deps)),
    autoClosed: canFetch(deps)
      ? await guarded(deps, 'auto-close', 0, () =>
          runAutoClose({ ...deps, signingSecret: deps.config.secrets.signing }),
        )
      : 0,
    // The typo vocabulary and stored article HTML catch up with changes, under a lease and a time budget a run.
    kbTermsSynced: await guarded(deps, 'kb-terms', 0, () => syncStaleKbTerms(deps, { budgetMs: opts.budgetMs })),
    kbHtmlRefreshed: await guarded(deps, 'kb-html', 0, () => refreshStaleKbHtml(deps, { budgetMs: opts.budgetMs })),
  };
}

export type JobRunner = { stop(): Promise<void> };

/**
 * Runs the due jobs every `intervalMs` inside the web process. The next run is scheduled only
 * when the last one ended, so runs never overlap; the timer is unref'd, so it never keeps the
 * process alive. stop() lets a run in progress finish the mail it is sending, gives back the
 * rest of its batch, and resolves when it is done. The IMAP IDLE listener runs beside it
 * (src/jobs/mail-listen.ts) when asked (`listen`: the web process does; tests that run jobs do
 * not keep connections they never close) and is closed by stop() as well.
 */
export function startJobs(deps: JobDeps, opts: { intervalMs?: number; listen?: boolean } = {}): JobRunner {
  const intervalMs = opts.intervalMs ?? 10_000;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const tick = () => {
    timer = null;
    running = runDueJobs(deps, { stopSignal: stopping.signal })
      .then(
        (report) => {
          const { sent, deferred, failed } = report.mail;
          if (
            sent +
              deferred +
              failed +
              (report.fetched?.imported ?? 0) +
              (report.fetched?.failed ?? 0) +
              (report.spooled?.imported ?? 0) >
            0
          )
            deps.logger.info(report, 'jobs ran');
        },
        (err: unknown) => deps.logger.error({ err }, 'jobs failed; trying again at the next run'),
      )
      .finally(() => {
        running = null;
        if (!stopping.signal.aborted) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };

  schedule();
  const listener = opts.listen === true ? startListening(deps) : null;
  return {
    stop: async () => {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await Promise.all([running, listener?.stop()]);
    },
  };
}
