import { deliveryPolicy, mailLeasesOf } from '../mail/delivery-policy';
import { deliverLeased, newWorkerName, type DeliveryDeps, type DeliveryReport } from '../mail/delivery';
import { claimDueMail } from '../mail/outbox.repo';
import { letRequestsIn } from './yield';

export type MailDeliveryOptions = { batchSize?: number; stopSignal?: AbortSignal };

/**
 * One delivery run: claims a small batch of due mail under a short lease and sends it. Any
 * number of processes may run this at the same time; each mail goes to one of them. A process
 * that dies mid-batch leaves its claims to run out within seconds; the one mail it was sending
 * waits for its attempt's lease and is then sent again with the same Message-ID (see
 * deliverLeased and docs/decisions.md, "what exactly once means for mail").
 */
export async function deliverDueMail(deps: DeliveryDeps, opts: MailDeliveryOptions = {}): Promise<DeliveryReport> {
  const worker = newWorkerName();
  const now = deps.clock.now();
  const rows = await claimDueMail(deps.db, {
    now,
    lease: { worker, until: now + mailLeasesOf(deps.config.jobs).claimMs },
    limit: opts.batchSize ?? deliveryPolicy.batchSize,
  });
  if (rows.length === 0) return { target: '', outcomes: [], serverDown: null };
  return deliverLeased(deps, rows, worker, { retry: true, stopSignal: opts.stopSignal });
}

export type MailDrainSummary = { sent: number; deferred: number; failed: number; batches: number };

/**
 * Runs batches until no full batch is due, the server is down, the budget is spent or a stop
 * is asked for: a backlog drains in one go, a dead server costs one batch.
 */
export async function drainDueMail(
  deps: DeliveryDeps,
  opts: MailDeliveryOptions & { maxBatches?: number; budgetMs?: number } = {},
): Promise<MailDrainSummary> {
  const batchSize = opts.batchSize ?? deliveryPolicy.batchSize;
  const started = Date.now();
  const summary: MailDrainSummary = { sent: 0, deferred: 0, failed: 0, batches: 0 };
  while (summary.batches < (opts.maxBatches ?? 200) && Date.now() - started < (opts.budgetMs ?? 60_000)) {
    const report = await deliverDueMail(deps, { batchSize, stopSignal: opts.stopSignal });
    summary.batches++;
    for (const o of report.outcomes) if (o.status !== 'skipped') summary[o.status]++;
    if (report.outcomes.length < batchSize || report.serverDown || opts.stopSignal?.aborted) break;
    await letRequestsIn(); // between batches, requests go first on SQLite's one connection
  }
  return summary;
}
