/**
 * Do background jobs let requests through on SQLite? (r8-fix-jobs) In-process, on a seeded desk:
 * runs the re-plan jobs that walk every ticket (auto-close re-plan, SLA clock re-plan: each
 * asked to start a pass first) and the auto-close job, while
 * - a ticker measures how long the event loop is held at a time (on SQLite, better-sqlite3 is
 *   synchronous and the pool has one connection: a stretch without a turn of the event loop is
 *   a stretch in which no request is even read),
 * - every transaction the jobs open is timed,
 * - a "request" (the breached staff list's page and capped count, as the list route calls it)
 *   is made every 20 ms and its latency recorded.
 * Work on a COPY of the data set: the passes write.
 *
 *   TESSERA_CONFIG_DIR=/copy/config npx tsx bench/job-slices.ts [--seconds 15] [--json out.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { createI18n } from '../src/i18n/i18n';
import { resyncAutoClose } from '../src/jobs/auto-close-resync';
import { runAutoClose } from '../src/jobs/auto-close';
import { resyncSlaClocks } from '../src/jobs/sla-resync';
import { bumpResyncRevision } from '../src/jobs/resync-pass.repo';
import { bumpAutoCloseRevision } from '../src/auto-close/auto-close.repo';
import { resolveFromRoot } from '../src/paths';
import { listAndCountTickets } from '../src/tickets/ticket-list.repo';
import { createServices } from '../src/web/app-services';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    json: { type: 'string' },
    'no-checkpoint': { type: 'boolean', default: false },
  },
});
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const round = (n: number) => +n.toFixed(1);
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(pct(s, 50)),
    p95: round(pct(s, 95)),
    p99: round(pct(s, 99)),
    max: round(s.at(-1) ?? 0),
  };
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data));
  const clock = { now: () => Date.now() };
  const logger = pino({ level: 'warn' });
  const services = createServices({ config, db, logger, i18n: createI18n(), clock });

  // Every transaction, timed from its first statement (BEGIN) to its COMMIT / ROLLBACK being sent.
  const txMs: number[] = [];
  const txStart = new Map<string, { at: number; sql: string[] }>();
  const slowest: Array<{ ms: number; statements: string[] }> = [];
  db.on('query', (q: { sql: string; __knexTxId?: string }) => {
    if (!q.__knexTxId) return;
    const tx = txStart.get(q.__knexTxId) ?? { at: performance.now(), sql: [] };
    txStart.set(q.__knexTxId, tx);
    tx.sql.push(q.sql.slice(0, 90));
    if (/^\s*(commit|rollback)/i.test(q.sql)) {
      const ms = performance.now() - tx.at;
      txMs.push(ms);
      txStart.delete(q.__knexTxId);
      slowest.push({
        ms: round(ms),
        statements: tx.sql.length > 12 ? [...tx.sql.slice(0, 12), `... ${tx.sql.length} statements`] : tx.sql,
      });
      slowest.sort((a, b) => b.ms - a.ms).splice(3);
    }
  });

  // Every statement, timed from sent to answered: the slowest three.
  const sentAt = new Map<string, { at: number; sql: string }>();
  const slowestStatements: Array<{ ms: number; sql: string }> = [];
  db.on('query', (q: { sql: string; __knexQueryUid: string }) =>
    sentAt.set(q.__knexQueryUid, { at: performance.now(), sql: q.sql.slice(0, 200) }),
  );
  db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
    const sent = sentAt.get(q.__knexQueryUid);
    if (!sent) return;
    sentAt.delete(q.__knexQueryUid);
    slowestStatements.push({ ms: round(performance.now() - sent.at), sql: sent.sql });
    slowestStatements.sort((a, b) => b.ms - a.ms).splice(3);
  });

  // Diagnosis only: SQLite's automatic WAL checkpoint off (the WAL grows) — is a long hold a checkpoint?
  if (values['no-checkpoint']) await db.raw('PRAGMA wal_autocheckpoint = 0');

  // A pass to do for both re-plan jobs (the auto-close one may be pending already).
  await db.transaction(async (trx) => bumpAutoCloseRevision(trx, Date.now()));
  await db.transaction(async (trx) => bumpResyncRevision(trx, 'sla-resync', Date.now()));

  const openIds = ((await db('statuses').where({ is_open: true }).pluck('id')) as number[]).map(Number);
  const list = () =>
    listAndCountTickets(
      db,
      { categories: 'all', statusIds: openIds, sla: { to: Date.now() } },
      { sort: 'sla', dir: 'asc', offset: 0, limit: 25 },
      1000,
    );
  await list();

  let running = true;
  const startedAt = performance.now();
  // Event-loop holds: the time between two turns of a setImmediate chain.
  const holds: number[] = [];
  let last = performance.now();
  let during: string[] = [];
  const longHolds: Array<{ ms: number; atMs: number; statements: number }> = [];
  let longest: { ms: number; atMs: number; statements: number; first: string[] } = {
    ms: 0,
    atMs: 0,
    statements: 0,
    first: [],
  };
  db.on('query', (q: { sql: string }) => during.push(q.sql.slice(0, 90)));
  const tick = () => {
    const t = performance.now();
    holds.push(t - last);
    if (t - last > 100) longHolds.push({ ms: round(t - last), atMs: round(t - startedAt), statements: during.length });
    if (t - last > longest.ms)
      longest = {
        ms: round(t - last),
        atMs: round(t - startedAt),
        statements: during.length,
        first: during.slice(0, 8),
      };
    during = [];
    last = t;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);

  const requests: number[] = [];
  const requester = (async () => {
    while (running) {
      await sleep(20);
      const t0 = performance.now();
      await list();
      requests.push(performance.now() - t0);
    }
  })();

  const loadAverage = os.loadavg().map((l) => +l.toFixed(2));
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const deadline = t0 + Number(values.seconds) * 1000;
  const done = { autoCloseReplanned: 0, slaResynced: 0, autoClosed: 0, runs: 0 };
  while (performance.now() < deadline) {
    done.slaResynced += await resyncSlaClocks(services);
    done.autoCloseReplanned += await resyncAutoClose(services);
    done.autoClosed += await runAutoClose({ ...services, signingSecret: config.secrets.signing });
    done.runs += 1;
  }
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  running = false;
  await requester;

  const report = {
    client: config.database.client,
    loadAverage,
    loadAverageAfter: os.loadavg().map((l) => +l.toFixed(2)),
    wallMs: round(wallMs),
    cpuMs: round(cpu),
    done,
    eventLoopHoldMs: summary(holds.filter((h) => h > 1)),
    longestHold: longest,
    holdsOver100Ms: longHolds,
    jobTransactionMs: summary(txMs),
    listRequestMs: summary(requests),
    listRequestsPerSecond: round(requests.length / (wallMs / 1000)),
    slowestTransactions: slowest,
    slowestStatements,
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(report, null, 2));
  await db.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
