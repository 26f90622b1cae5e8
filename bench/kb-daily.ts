/**
 * What the per-day counter costs a view (issue 12, kb_article_daily): the article page's counting
 * before (the all-time counter's UPDATE alone) and now (that UPDATE and the day's upsert), run
 * in this process against the bench data set of bench/kb.ts, alternating in rounds so that the
 * machine's load hits both alike. Prints CPU ms of this process (driver and knex; for SQLite the
 * engine runs in-process too) and wall ms per view.
 *
 *   TESSERA_CONFIG_DIR=… TESSERA_DATA_DIR=… npx tsx bench/kb-daily.ts --views 2000 --rounds 5
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { countKbDay, countKbView } from '../src/kb/kb-articles.repo';
import { resolveFromRoot } from '../src/paths';

const { values } = parseArgs({
  options: { views: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } },
});

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  try {
    const ids = (await db('kb_articles').where('status', 'published').orderBy('id').limit(5000).pluck('id')).map(
      Number,
    );
    const views = Number(values.views);
    const now = Date.now();
    const ways: Record<string, (id: number) => Promise<void>> = {
      'all-time counter only (before)': (id) => countKbView(db, id),
      'counter, then day upsert': async (id) => {
        await countKbView(db, id);
        await countKbDay(db, id, now, 'views');
      },
      'counter and day upsert side by side (now)': async (id) => {
        await Promise.all([countKbView(db, id), countKbDay(db, id, now, 'views')]);
      },
    };
    const totals = Object.fromEntries(Object.keys(ways).map((k) => [k, { cpu: 0, wall: 0, n: 0 }]));
    console.log(
      `${config.database.client}, ${ids.length} articles, ${views} views per way and round, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, view] of Object.entries(ways)) {
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < views; i++) await view(ids[(i * 7919 + round) % ids.length]!);
        const used = process.cpuUsage(cpu);
        totals[name]!.cpu += (used.user + used.system) / 1000;
        totals[name]!.wall += performance.now() - started;
        totals[name]!.n += views;
      }
    }
    for (const [name, t] of Object.entries(totals))
      console.log(`  ${name}: ${(t.cpu / t.n).toFixed(3)} CPU ms/view, ${(t.wall / t.n).toFixed(3)} wall ms/view`);
    console.log(
      `load at the end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 1000));
  process.exit(1);
});
