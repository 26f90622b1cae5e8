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
 * Tag names for the suggestions list: only tags used in a category the person may see, so a tag
 * used only in another category's tickets tells them nothing. Read through tag_categories (one
 * key probe per tag and category), never through the tickets a tag is on.
 */
export async function listVisibleTagNames(db: Knex, categories: number[] | 'all', limit: number): Promise<string[]> {
  const q = db('tags as g').orderBy('g.name').limit(limit).select<Array<{ name: string }>>('g.name');
  q.whereExists((e) => {
    e.select(db.raw('1')).from('tag_categories as tc').whereRaw('tc.tag_id = g.id');
    if (categories !== 'all') e.whereIn('tc.category_id', categories.length ? categories : [-1]);
  });
  return (await q).map((r) => r.name);
}

/** Makes the ticket's tags known in its category (for the suggestions); already known ones are kept. */
export async function recordTagsInCategory(trx: Knex, ticketId: number, categoryId: number): Promise<void> {
  const tagIds = (await trx('ticket_tags').where({ ticket_id: ticketId }).pluck('tag_id')).map(Number);
  if (tagIds.length === 0) return;
  await trx('tag_categories')
    .insert(tagIds.map((tag_id) => ({ tag_id, category_id: categoryId })))
    .onConflict(['tag_id', 'category_id'])
    .ignore();
}

/** A merge moves the merged ticket's tags that the survivor lacks; the rest go with it. */
export async function moveTags(trx: Knex, fromTicketId: number, toTicketId: number): Promise<void> {
  // Read first: MySQL refuses an UPDATE whose subquery reads the table being updated.
  const taken = (await trx('ticket_tags').where({ ticket_id: toTicketId }).pluck('tag_id')).map(Number);
  await trx('ticket_tags')
    .where({ ticket_id: fromTicketId })
    .whereNotIn('tag_id', taken.length ? taken : [-1])
    .update({ ticket_id: toTicketId });
  await trx('ticket_tags').where({ ticket_id: fromTicketId }).del();
}
