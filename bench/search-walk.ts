/**
 * Staff search at a million tickets (issue 16): the word search newest first that walks the
 * newest tickets and checks them (src/tickets/search-walk.repo.ts) against the engine's search
 * (the old path, newest first and last updated), as the staff list asks for them: a page of 25
 * and the count. Read-only: safe on the shared bench sets.
 *
 *   TESSERA_CONFIG_DIR=… TESSERA_DATA_DIR=… nice -n -10 npx tsx bench/search-walk.ts [--runs 100] [--engine-runs 10]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config';
import { createKnex } from '../src/db/knex-factory';
import { resolveFromRoot } from '../src/paths';
import { newestMatches } from '../src/tickets/search-walk.repo';
import { listAndCountTickets, type TicketListFilter } from '../src/tickets/ticket-list.repo';
import { measureSearch } from './search-timing';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    'engine-runs': { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const runs = Number(args.runs);
const engineRuns = Number(args['engine-runs']);
const vocabulary = fs
  .readFileSync(path.join(__dirname, 'terms.txt'), 'utf8')
  .split('\n')
  .map((w) => w.trim())
  .filter(Boolean);
const common = ['latest', 'trying', 'start', 'clear'];
const varied = vocabulary.filter((_, i) => i % 40 === 7).slice(0, 25);
const rare = ['firewall', 'kernel', 'timeout', 'certificate'];
const pairs = [
  ['latest', 'trying'],
  ['firewall', 'latest'],
  ['start', 'clear'],
  ['currently', 'trying'],
];

async function main() {
  const config = loadConfig();
  const db = createKnex(config.database, resolveFromRoot(config.paths.data), { poolMax: 8 });
  const filter = (words: string[]): TicketListFilter => ({
    categories: 'all',
    search: { words, trackingId: null, email: null },
  });
  const page = (sort: 'created' | 'updated') => ({ sort, dir: 'desc' as const, offset: 0, limit: 25 });
  const walked = (words: string[]) => listAndCountTickets(db, filter(words), page('created'), 1000, true);
  const engine = (words: string[], sort: 'created' | 'updated') =>
    listAndCountTickets(db, filter(words), page(sort), 1000);
  try {
    const tickets = (await db('tickets').max<{ n: number }[]>({ n: 'id' }))[0]!.n;
    console.log(`tickets up to id ${tickets}`);
    // Which path answers each search, and whether the walk's page is the engine's page.
    for (const words of [...common.map((w) => [w]), ...rare.map((w) => [w]), ...pairs]) {
      const w = await newestMatches(db, filter(words), 26);
      const e = (await engine(words, 'created')).rows.map((r) => r.id);
      const same = w ? JSON.stringify(w.ids.slice(0, 25)) === JSON.stringify(e) : null;
      console.log(
        `  ${words.join(' ')}: ${w ? `walked, ${same ? 'the same page as the engine' : 'DIFFERENT from the engine'}` : 'engine (rare)'}`,
      );
    }
    console.log('| search | p50 / p95 / p99 ms | app CPU ms | server CPU ms | load | runs |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const groups: Array<[string, string[][]]> = [
      ...common.map((w): [string, string[][]] => [`"${w}"`, [[w]]]),
      ['varied word (25)', varied.map((w) => [w])],
      ...rare.map((w): [string, string[][]] => [`"${w}"`, [[w]]]),
      ...pairs.map((p): [string, string[][]] => [`"${p.join(' ')}"`, [p]]),
    ];
    for (const [label, queries] of groups) {
      if (args.only && !label.includes(args.only)) continue;
      const q = (i: number) => queries[i % queries.length]!;
      await measureSearch(db, `new, newest first ${label}`, (i) => walked(q(i)), runs);
      await measureSearch(db, `old, newest first ${label}`, (i) => engine(q(i), 'created'), engineRuns);
      await measureSearch(db, `old, last updated ${label}`, (i) => engine(q(i), 'updated'), engineRuns);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
