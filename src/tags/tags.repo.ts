import type { Knex } from 'knex';

export type TagRow = { id: number; name: string };

/** The tag's id, creating it first if no one has yet (two people adding it at once both succeed). */
export async function ensureTag(trx: Knex, name: string, now: number): Promise<number> {
  await trx('tags').insert({ name, created_at: now }).onConflict('name').ignore();
  const row = await trx('tags').where({ name }).first<{ id: number }>('id');
  return Number(row!.id);
}

export async function findTagByName(db: Knex, name: string): Promise<TagRow | undefined> {
  const row = await db('tags').where({ name }).first<{ id: number; name: string } | undefined>('id', 'name');
  return row ? { id: Number(row.id), name: row.name } : undefined;
}

export async function findTagsByNames(db: Knex, names: string[]): Promise<TagRow[]> {
  if (names.length === 0) return [];
  const rows = await db('tags').whereIn('name', names).select<Array<{ id: number; name: string }>>('id', 'name');
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}

export async function countTagsOfTicket(db: Knex, ticketId: number): Promise<number> {
  const [row] = await db('ticket_tags').where({ ticket_id: ticketId }).count<{ n: number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** True if the tag was newly put on the ticket. */
export async function attachTag(trx: Knex, ticketId: number, tagId: number, now: number): Promise<boolean> {
  const exists = await trx('ticket_tags').where({ ticket_id: ticketId, tag_id: tagId }).first('tag_id');
  if (exists) return false;
  await trx('ticket_tags').insert({ ticket_id: ticketId, tag_id: tagId, created_at: now });
  return true;
}

/** True if the tag was on the ticket. */
export async function detachTag(trx: Knex, ticketId: number, tagId: number): Promise<boolean> {
  return (await trx('ticket_tags').where({ ticket_id: ticketId, tag_id: tagId }).del()) > 0;
}

/** The tags of one page of tickets, in one query keyed by the page's ids. */
export async function tagsOfTickets(db: Knex, ticketIds: number[]): Promise<Map<number, TagRow[]>> {
  const out = new Map<number, TagRow[]>();
  if (ticketIds.length === 0) return out;
  const rows = await db('ticket_tags as tt')
    .join('tags as g', 'g.id', 'tt.tag_id')
    .whereIn('tt.ticket_id', ticketIds)
    .orderBy('g.name')
    .select<Array<{ ticket_id: number; id: number; name: string }>>('tt.ticket_id', 'g.id', 'g.name');
  for (const r of rows) {
    const list = out.get(Number(r.ticket_id)) ?? [];
    list.push({ id: Number(r.id), name: r.name });
    out.set(Number(r.ticket_id), list);
  }
  return out;
}

/**
 * Tag names for the suggestions list: only tags on at least one ticket the person may see, so
 * a tag used only in another category's tickets tells them nothing.
 */
export async function listVisibleTagNames(db: Knex, categories: number[] | 'all', limit: number): Promise<string[]> {
  const q = db('tags as g').orderBy('g.name').limit(limit).select<Array<{ name: string }>>('g.name');
  q.whereExists((e) => {
    e.select(db.raw('1')).from('ticket_tags as tt').join('tickets as t', 't.id', 'tt.ticket_id').whereRaw('tt.tag_id = g.id').whereNull('t.merged_into_id');
    if (categories !== 'all') e.whereIn('t.category_id', categories.length ? categories : [-1]);
  });
  return (await q).map((r) => r.name);
}

/** A merge moves the merged ticket's tags that the survivor lacks; the rest go with it. */
export async function moveTags(trx: Knex, fromTicketId: number, toTicketId: number): Promise<void> {
  // Read first: MySQL refuses an UPDATE whose subquery reads the table being updated.
  const taken = (await trx('ticket_tags').where({ ticket_id: toTicketId }).pluck('tag_id')).map(Number);
  await trx('ticket_tags').where({ ticket_id: fromTicketId }).whereNotIn('tag_id', taken.length ? taken : [-1]).update({ ticket_id: toTicketId });
  await trx('ticket_tags').where({ ticket_id: fromTicketId }).del();
}
