/**
 * What the typo vocabulary costs now that it is kept by article (r8-fix-kbterms): the kb-terms job
 * building it from nothing on an upgraded install, a job run with nothing stale, one article's
 * sync after an edit, and a customer's search with a typo (the corrections are tried in the
 * searcher's scope, up to 5 capped counts per unknown word) beside the same search typed right.
 * In this process against a copy of bench/kb.ts's SQLite data set; CPU ms of this process (the
 * SQLite engine runs in-process too) and wall ms.
 *
 *   npx tsx bench/kb-typos.ts --db /var/tmp/tessera-fixkbterms/data/tessera.sqlite --searches 200
 */
import { parseArgs } from 'node:util';
import type { DatabaseConfig } from '../src/config/config.schema';
import { systemClock } from '../src/clock';
import { createKnex } from '../src/db/knex-factory';
import { createLogger } from '../src/logger';
import { searchKb, customerScope } from '../src/kb/kb-search.service';
import { syncKbArticleTerms, syncStaleKbTerms } from '../src/kb/kb-upkeep.service';
import { down, up } from '../migrations/20261210160000_kb_terms';
import { terms } from './shape';

const { values } = parseArgs({ options: { db: { type: 'string' }, searches: { type: 'string', default: '200' } } });

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const [w, c] = [performance.now(), cpuMs()];
  const value = await work();
  return { value, wallMs: performance.now() - w, cpuMs: cpuMs() - c };
}

async function main(): Promise<void> {
  if (!values.db) throw new Error('--db <a copy of the bench SQLite file>: its kb_terms tables are rebuilt');
  const db = createKnex({ client: 'sqlite', filename: values.db } as DatabaseConfig, '/', { poolMax: 2 });
  try {
    await down(db);
    await up(db);
    await db('kb_revision').update({ terms_articles: -1 }); // the vocabulary is gone: the job's stamp must not say it caught up
    const articles = Number((await db('kb_articles').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    const build = await timed(async () => {
      let n = 0;
      for (
        let k: number;
        (k = await syncStaleKbTerms({ db, clock: systemClock, logger: createLogger('warn') }, { batch: 500 })) > 0;
      )
        n += k;
      return n;
    });
    const words = Number((await db('kb_terms').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    console.log(
      `job from nothing: ${build.value} of ${articles} articles, ${words} words, ${build.wallMs.toFixed(0)} ms wall, ${(build.cpuMs / build.value).toFixed(2)} cpu ms/article`,
    );
    const idle = await timed(() => syncStaleKbTerms({ db, clock: systemClock, logger: createLogger('warn') }));
    console.log(
      `job run with nothing stale: ${idle.value} articles, ${idle.wallMs.toFixed(1)} ms wall, ${idle.cpuMs.toFixed(1)} cpu ms`,
    );
    const one = Number((await db('kb_articles').where('status', 'published').orderBy('id').first('id')).id);
    const edits = await timed(async () => {
      for (let i = 0; i < 50; i++) {
        await db('kb_article_versions')
          .where({ article_id: one })
          .update({ body: db.raw('body || ?', [` extra${i}word`]) });
        await db('kb_articles')
          .where({ id: one })
          .update({ updated_at: Date.now() + i });
        await syncKbArticleTerms(db, one);
      }
    });
    console.log(
      `one article's sync after an edit (incl. 2 small updates): ${(edits.wallMs / 50).toFixed(2)} ms wall, ${(edits.cpuMs / 50).toFixed(2)} cpu ms`,
    );
    const scope = await customerScope(db, 'en', 'en');
    const searches = Number(values.searches);
    const words5 = terms.filter((w) => w.length >= 6);
    const queries = Array.from({ length: searches }, (_, i) => words5[(i * 7919) % words5.length]!);
    const typo = (w: string) => w.slice(0, 2) + w.slice(3);
    let corrected = 0;
    const rows: Record<string, { wall: number; cpu: number }> = {
      'typed right': { wall: 0, cpu: 0 },
      'one letter dropped': { wall: 0, cpu: 0 },
    };
    for (const q of queries) {
      const right = await timed(() => searchKb(db, scope, q, { limit: 10, offset: 0 }));
      const wrong = await timed(() => searchKb(db, scope, typo(q), { limit: 10, offset: 0 }));
      if (wrong.value.correctedQuery) corrected++;
      rows['typed right']!.wall += right.wallMs;
      rows['typed right']!.cpu += right.cpuMs;
      rows['one letter dropped']!.wall += wrong.wallMs;
      rows['one letter dropped']!.cpu += wrong.cpuMs;
    }
    for (const [k, r] of Object.entries(rows))
      console.log(
        `searchKb, ${k}: ${(r.wall / searches).toFixed(2)} ms wall, ${(r.cpu / searches).toFixed(2)} cpu ms (${searches} alternating)`,
      );
    console.log(`typo searches corrected: ${corrected} of ${searches}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 1000));
  process.exit(1);
});
