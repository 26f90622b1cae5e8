import type { DeliveryDeps } from '../mail/delivery';
import { sweepLeftovers } from './cleanup';
import { drainDueMail, type MailDrainSummary } from './mail-delivery';

export type JobDeps = DeliveryDeps;
export type JobsReport = { mail: MailDrainSummary; swept: { counters: number; files: number } };

/** Every job that is due, once: the web process's timer and `npm run cron` both call this. */
export async function runDueJobs(deps: JobDeps, opts: { stopSignal?: AbortSignal; budgetMs?: number } = {}): Promise<JobsReport> {
  const mail = await drainDueMail(deps, { stopSignal: opts.stopSignal, budgetMs: opts.budgetMs });
  return { mail, swept: await sweepLeftovers(deps) };
}

export type JobRunner = { stop(): Promise<void> };

/**
 * Runs the due jobs every `intervalMs` inside the web process. The next run is scheduled only
 * when the last one ended, so runs never overlap; the timer is unref'd, so it never keeps the
 * process alive. stop() lets a run in progress finish the mail it is sending, gives back the
 * rest of its batch, and resolves when it is done.
 */
export function startJobs(deps: JobDeps, opts: { intervalMs?: number } = {}): JobRunner {
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
          if (sent + deferred + failed > 0) deps.logger.info(report, 'jobs ran');
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
  return {
    stop: async () => {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
