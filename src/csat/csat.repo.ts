import type { Knex } from 'knex';

export type Rating = { rating: number; comment: string | null; resolvedAt: number; createdAt: number };

/** The ticket's ratings, newest resolution first (a few rows). */
export async function ratingsOfTicket(db: Knex, ticketId: number): Promise<Rating[]> {
  const rows = await db('csat_ratings')
    .where({ ticket_id: ticketId })
    .orderBy('resolved_at', 'desc')
    .select<
      Array<{ rating: number; comment: string | null; resolved_at: number | string; created_at: number | string }>
    >('rating', 'comment', 'resolved_at', 'created_at');
  return rows.map((r) => ({
    rating: Number(r.rating),
    comment: r.comment,
    resolvedAt: Number(r.resolved_at),
    createdAt: Number(r.created_at),
  }));
}

/** Stores one answer; a second one for the same resolution fails on the unique key. */
export async function insertRating(
  trx: Knex,
  row: {
    ticketId: number;
    resolvedAt: number;
    rating: number;
    comment: string | null;
    staffId: number | null;
    categoryId: number;
  },
  now: number,
): Promise<void> {
  await trx('csat_ratings').insert({
    ticket_id: row.ticketId,
    resolved_at: row.resolvedAt,
    rating: row.rating,
    comment: row.comment,
    staff_id: row.staffId,
    category_id: row.categoryId,
    created_at: now,
  });
}

export type Figure = { id: number | null; name: string | null; count: number; average: number };

/** Count and average per staff member and per category since `since`, by the created_at index. */
export async function satisfactionFigures(
  db: Knex,
  since: number,
): Promise<{ byStaff: Figure[]; byCategory: Figure[] }> {
  const q = (column: 'staff_id' | 'category_id', table: 'staff_users' | 'categories') =>
    db('csat_ratings as r')
      .leftJoin(`${table} as x`, 'x.id', `r.${column}`)
      .where('r.created_at', '>=', since)
      .groupBy(`r.${column}`, 'x.name')
      .orderBy(`r.${column}`)
      .select<Array<{ id: number | null; name: string | null; n: number | string; avg: number | string }>>(
        `r.${column} as id`,
        'x.name',
        db.raw('count(*) as n'),
        db.raw('avg(r.rating) as avg'),
      );
  const shape = (
    rows: Array<{ id: number | null; name: string | null; n: number | string; avg: number | string }>,
  ): Figure[] =>
    rows.map((r) => ({
      id: r.id === null ? null : Number(r.id),
      name: r.name,
      count: Number(r.n),
      average: Math.round(Number(r.avg) * 100) / 100,
    }));
  const [byStaff, byCategory] = await Promise.all([q('staff_id', 'staff_users'), q('category_id', 'categories')]);
  return { byStaff: shape(byStaff), byCategory: shape(byCategory) };
}
