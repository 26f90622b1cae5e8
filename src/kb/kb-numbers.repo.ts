import type { Knex } from 'knex';

/** Views and votes of all articles (the counters are totals, not per day). */
export async function kbTotals(db: Knex): Promise<{ views: number; helpful: number; unhelpful: number }> {
  const row = await db('kb_article_stats').first(
    db.raw('coalesce(sum(views), 0) as views'),
    db.raw('coalesce(sum(helpful), 0) as helpful'),
    db.raw('coalesce(sum(unhelpful), 0) as unhelpful'),
  );
  return { views: Number(row?.views ?? 0), helpful: Number(row?.helpful ?? 0), unhelpful: Number(row?.unhelpful ?? 0) };
}

/** Views and votes of all articles from a UTC day on (kb_article_daily; nothing before its migration). */
export async function kbTotalsSinceDay(
  db: Knex,
  sinceDay: number,
): Promise<{ views: number; helpful: number; unhelpful: number }> {
  const row = await db('kb_article_daily')
    .where('day', '>=', sinceDay)
    .first(
      db.raw('coalesce(sum(views), 0) as views'),
      db.raw('coalesce(sum(helpful), 0) as helpful'),
      db.raw('coalesce(sum(not_helpful), 0) as unhelpful'),
    );
  return { views: Number(row?.views ?? 0), helpful: Number(row?.helpful ?? 0), unhelpful: Number(row?.unhelpful ?? 0) };
}

/** Searches since a time: how many, how many found nothing, and the most frequent of those. */
export async function kbSearchNumbers(
  db: Knex,
  since: number,
  top: number,
): Promise<{ searches: number; empty: number; emptyQueries: Array<{ query: string; count: number }> }> {
  const [all, empty, queries] = await Promise.all([
    db('kb_searches').where('searched_at', '>=', since).count<Array<{ n: number | string }>>({ n: '*' }),
    db('kb_searches')
      .where('result_count', 0)
      .where('searched_at', '>=', since)
      .count<Array<{ n: number | string }>>({ n: '*' }),
    db('kb_searches')
      .where('result_count', 0)
      .where('searched_at', '>=', since)
      .groupBy('query')
      .select('query')
      .count<Array<{ query: string; n: number | string }>>({ n: '*' })
      .orderBy([{ column: 'n', order: 'desc' }, { column: 'query' }])
      .limit(top),
  ]);
  return {
    searches: Number(all[0]?.n ?? 0),
    empty: Number(empty[0]?.n ?? 0),
    emptyQueries: queries.map((q) => ({ query: String(q.query), count: Number(q.n) })),
  };
}
