/**
 * The knowledge base with 10,000 articles (issue 12): seeds them in the data shape's vocabulary
 * (deterministic, grows in place) and measures, over HTTP on loopback, the customer's search
 * page, the suggestions the new-ticket form asks for while typing, and the article page, at
 * concurrency 1 and 8, printing req/s, p50/p95/p99 and the server's CPU ms per request.
 *
 *   npx tsx bench/kb.ts --start --label sqlite-kb-10k     (same configuration as bench/load.ts:
 *       TESSERA_CONFIG_DIR of an installed bench help desk; applies pending migrations first)
 *
 * Options: --articles 10000 --requests 300 --warmup 30 --concurrency 1,8 --port 3918
 * --scenarios kb-search,kb-suggest,kb-article --json FILE. Seeding also raises the
 * knowledge base's per-address search limit (every request comes from 127.0.0.1).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { systemClock } from '../src/clock';
import { loadConfig } from '../src/config/load-config';
import { clientOf } from '../src/db/dialect';
import { kbSearchTextColumn } from '../src/db/fulltext';
import { insertReturningId } from '../src/db/insert';
import { createKnex } from '../src/db/knex-factory';
import { kbHtmlRevision, renderKbMarkdown } from '../src/kb/kb-markdown';
import { createLogger } from '../src/logger';
import { kbSearchText } from '../src/kb/kb-search-text';
import { kbSlug } from '../src/kb/kb-slug';
import { syncStaleKbTerms } from '../src/kb/kb-upkeep.service';
import { resolveFromRoot } from '../src/paths';
import { SettingsService } from '../src/settings/settings.service';
import { Browser, expectPage } from './http-client';
import { applyMigrations, cpuMsOf, startServer } from './server';
import { pick, sentences, terms, words } from './shape';
import { formatTable, runOps, summarise, type Summary } from './stats';

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '10000' },
    start: { type: 'boolean', default: false },
    url: { type: 'string' },
    port: { type: 'string', default: '3918' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '1,8' },
    scenarios: { type: 'string' },
    label: { type: 'string', default: '' },
    json: { type: 'string' },
  },
  strict: true,
});

const topics = 10;
const titleOpeners = [
  'How to configure',
  'Troubleshooting',
  'Setting up',
  'Why does',
  'Fixing errors in',
  'Understanding',
  'Getting started with',
  'Updating',
  'Removing',
  'Moving',
];
const topicName = (n: number) => `Bench topic ${n}`;

/** Article N (1-based): its category, status (5 % drafts), title, keywords and a ~1.5 kB Markdown body. */
export function articleOf(n: number, categoryIds: number[]) {
  const [a, b] = words(n, 'kb-title', 2);
  const title = `${titleOpeners[pick(n, 'kb-opener', titleOpeners.length)]} ${a} ${b}`;
  const body = [
    `## ${a} and ${b}`,
    ...Array.from(
      { length: 4 },
      (_, i) => `${sentences[pick(n, `kb-s${i}`, sentences.length)]} ${words(n, `kb-b${i}`, 2).join(' and ')}.`,
    ),
    `1. Open the **${words(n, 'kb-step', 1)[0]}** settings.`,
    `2. Check the ${words(n, 'kb-step2', 1)[0]} value and save.`,
    ...Array.from(
      { length: 4 },
      (_, i) => `${sentences[pick(n, `kb-t${i}`, sentences.length)]} See also ${words(n, `kb-c${i}`, 1)[0]}.`,
    ),
  ].join('\n\n');
  return {
    categoryId: categoryIds[n % topics]!,
    status: pick(n, 'kb-status', 100) < 5 ? 'draft' : 'published',
    title,
    slug: kbSlug(title),
    keywords: words(n, 'kb-kw', 3).join(' '),
    body,
    views: pick(n, 'kb-views', 5000),
  };
}

async function topicIds(db: Knex): Promise<number[]> {
  const now = Date.now();
  const ids: number[] = [];
  for (let n = 1; n <= topics; n++) {
    const found = await db('kb_categories')
      .where({ name: topicName(n) })
      .whereNull('parent_id')
      .first('id');
    ids.push(
      found
        ? Number(found.id)
        : await insertReturningId(db, 'kb_categories', {
            name: topicName(n),
            position: n,
            public: true,
            created_at: now,
            updated_at: now,
          }),
    );
  }
  return ids;
}

/** Adds the articles up to `target` (rows 1..have are there already), 500 per transaction. */
async function seedArticles(db: Knex, target: number): Promise<void> {
  const categoryIds = await topicIds(db);
  const have = Number(
    (await db('kb_articles').whereIn('category_id', categoryIds).count<{ n: number }[]>({ n: '*' }))[0]!.n,
  );
  const now = Date.now();
  const started = Date.now();
  for (let from = have + 1; from <= target; from += 500) {
    const rows = Array.from({ length: Math.min(500, target - from + 1) }, (_, i) => from + i);
    await db.transaction(async (trx) => {
      const maxId = Number((await trx('kb_articles').max<{ m: number }[]>({ m: 'id' }))[0]!.m ?? 0);
      const made = rows.map((n, i) => ({ id: maxId + 1 + i, ...articleOf(n, categoryIds) }));
      const created = (n: number) => now - (target - n) * 3_600_000;
      await trx.batchInsert(
        'kb_articles',
        made.map((a, i) => ({
          id: a.id,
          category_id: a.categoryId,
          status: a.status,
          pinned: false,
          position: 0,
          created_at: created(rows[i]!),
          updated_at: created(rows[i]!),
        })),
        250,
      );
      await trx.batchInsert(
        'kb_article_stats',
        made.map((a) => ({ article_id: a.id, views: a.views, helpful: 0, unhelpful: 0 })),
        250,
      );
      await trx.batchInsert(
        'kb_article_versions',
        made.map((a, i) => ({
          article_id: a.id,
          language: 'en',
          title: a.title,
          slug: a.slug,
          keywords: a.keywords,
          body: a.body,
          html: renderKbMarkdown(a.body),
          html_revision: kbHtmlRevision,
          ...kbSearchTextColumn(trx, () => kbSearchText(a)),
          updated_at: created(rows[i]!),
        })),
        100,
      );
    });
    process.stdout.write(
      `\r${rows[rows.length - 1]} articles (${Math.round(((rows[rows.length - 1]! - have) / (Date.now() - started)) * 1000)}/s)   `,
    );
  }
  if (clientOf(db) === 'postgres')
    await db.raw("SELECT setval(pg_get_serial_sequence('kb_articles', 'id'), (SELECT max(id) FROM kb_articles))");
  // The typo vocabulary as the kb-terms job builds it on an upgraded install: one article per transaction.
  const vocabularyStarted = Date.now();
  let synced = 0;
  for (
    let n: number;
    (n = await syncStaleKbTerms({ db, clock: systemClock, logger: createLogger('warn') }, { batch: 500 })) > 0;
  )
    synced += n;
  process.stdout.write(`\nvocabulary: ${synced} articles synced in ${Date.now() - vocabularyStarted} ms`);
  process.stdout.write('\n');
}

/** `cpuMs`: the server's CPU time so far (null when not started here); a scenario's first views are taken off its count. */
type Ctx = {
  base: URL;
  agent: http.Agent;
  requests: number;
  warmup: number;
  articles: Array<{ id: number; slug: string }>;
  cpuMs: () => number | null;
  firstViewsCpuMs: number;
};
type KbScenario = { name: string; run(ctx: Ctx, c: number): Promise<Summary> };

/** A search word of the vocabulary for request i (each a different one, as visitors differ). */
const termOf = (i: number) => terms[(i * 7919) % terms.length]!;

/**
 * Runs `op` for the warm-up (not counted), then measured. With `warmEach`, the warm-up does every
 * measured operation once first: an article's first view of the day searches and keeps its
 * related list (kb-related.service.ts), every later one reads it, and the measured views are the
 * later ones, as readers meet a page; the first views' cost is printed as the warm-up's.
 */
async function measure(
  name: string,
  ctx: Ctx,
  c: number,
  op: (browser: Browser, i: number) => Promise<void>,
  warmEach = false,
): Promise<Summary> {
  const browsers = Array.from({ length: c }, () => new Browser(ctx.base, ctx.agent));
  let w = 0;
  ctx.firstViewsCpuMs = 0;
  if (warmEach) {
    const started = process.hrtime.bigint();
    const cpu = ctx.cpuMs();
    await runOps(ctx.requests, c, (i) => op(browsers[w++ % c]!, i));
    ctx.firstViewsCpuMs = cpu === null ? 0 : ctx.cpuMs()! - cpu;
    console.log(
      `  ${name} c=${c}: first views (related lists searched and kept): ${Math.round(Number(process.hrtime.bigint() - started) / 1e6 / ctx.requests)} ms each on average, server CPU ${cpu === null ? '?' : (ctx.firstViewsCpuMs / ctx.requests).toFixed(1)} ms/op`,
    );
  }
  await runOps(ctx.warmup, c, (i) => op(browsers[w++ % c]!, i + 100_000));
  let k = 0;
  return summarise(name, c, await runOps(ctx.requests, c, (i) => op(browsers[k++ % c]!, i)));
}

const kbScenarios: KbScenario[] = [
  {
    // A customer's search: one or two vocabulary words, a different query each time.
    name: 'kb-search',
    run: (ctx, c) =>
      measure('kb-search', ctx, c, async (b, i) => {
        const q = i % 2 ? termOf(i) : `${termOf(i)} ${termOf(i + 1)}`;
        expectPage(
          await b.get(`/helpdesk/kb/search?q=${encodeURIComponent(q)}`),
          200,
          'search results',
          'role="status"',
        );
      }),
  },
  {
    // What the form asks while a subject is typed: a whole word and a word being typed (a prefix).
    name: 'kb-suggest',
    run: (ctx, c) =>
      measure('kb-suggest', ctx, c, async (b, i) => {
        const q = `${termOf(i)} ${termOf(i + 3).slice(0, 4)}`;
        const reply = await b.get(`/helpdesk/kb/suggest?q=${encodeURIComponent(q)}`);
        expectPage(reply, 200, 'suggestions', '"articles"');
      }),
  },
  {
    name: 'kb-article',
    run: (ctx, c) =>
      measure(
        'kb-article',
        ctx,
        c,
        async (b, i) => {
          const a = ctx.articles[(i * 7919) % ctx.articles.length]!;
          expectPage(
            await b.get(`/helpdesk/kb/${a.id}-${encodeURIComponent(a.slug)}`),
            200,
            'article page',
            'kb-article',
          );
        },
        true,
      ),
  },
];

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 2 });
  let articles: Ctx['articles'];
  try {
    if (values.start) applyMigrations();
    await seedArticles(db, Number(values.articles));
    await new SettingsService(db, () => Date.now(), config.secrets.signing).save({ 'kb.searchesPerMinute': 100_000 });
    const published = await db('kb_articles as a')
      .join('kb_article_versions as v', 'v.article_id', 'a.id')
      .where('a.status', 'published')
      .orderBy('a.id')
      .limit(20_000)
      .select('a.id', 'v.slug');
    articles = published.map((r: { id: number; slug: string }) => ({ id: Number(r.id), slug: String(r.slug) }));
  } finally {
    await db.destroy();
  }
  const server = values.start ? await startServer(Number(values.port)) : null;
  const base = new URL(values.url ?? `http://127.0.0.1:${values.port}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const results: Array<Summary & { load1: number; serverCpuMs: number | null }> = [];
  try {
    const ctx: Ctx = {
      base,
      agent,
      requests: Number(values.requests),
      warmup: Number(values.warmup),
      articles,
      cpuMs: () => cpuMsOf(server?.pid),
      firstViewsCpuMs: 0,
    };
    const wanted = values.scenarios?.split(',');
    console.log(
      `Tessera at ${base.origin}, ${articles.length} published articles, ${ctx.requests} requests after ${ctx.warmup} warm-up, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const scenario of kbScenarios.filter((s) => !wanted || wanted.includes(s.name))) {
      for (const c of values.concurrency
        .split(',')
        .map(Number)
        .filter((n) => n > 0)) {
        const load1 = Math.round(os.loadavg()[0]! * 100) / 100;
        const cpuBefore = cpuMsOf(server?.pid);
        const r = await scenario.run(ctx, c);
        const cpuAfter = cpuMsOf(server?.pid);
        const serverCpuMs =
          cpuBefore === null || cpuAfter === null
            ? null
            : Math.round(((cpuAfter - cpuBefore - ctx.firstViewsCpuMs) / (ctx.requests + ctx.warmup)) * 10) / 10;
        results.push({ ...r, load1, serverCpuMs });
        console.log(
          `  ${r.scenario} c=${c}: ${r.perSecond} req/s, p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms (load ${load1}, server CPU ${serverCpuMs ?? '?'} ms/op)`,
        );
      }
    }
    console.log(`\n${values.label || base.origin} (${articles.length} published articles)\n${formatTable(results)}`);
    if (values.json)
      fs.writeFileSync(
        values.json,
        `${JSON.stringify({ label: values.label, articles: articles.length, at: new Date().toISOString(), cpus: os.cpus().length, loadAtEnd: os.loadavg(), results }, null, 2)}\n`,
      );
  } finally {
    agent.destroy();
    server?.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(String((err as Error)?.stack ?? err).slice(0, 1000));
  process.exit(1);
});
