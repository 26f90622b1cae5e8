import type { Knex } from 'knex';

export type Follower = { id: number; email: string; addedByStaffId: number | null; createdAt: number };

/** Most addresses a ticket may have as followers: Cc lists of hundreds never fan out. */
export const followersPerTicket = 20;

export async function listFollowers(db: Knex, ticketId: number): Promise<Follower[]> {
  const rows = await db('ticket_followers')
    .where({ ticket_id: ticketId })
    .orderBy('id')
    .limit(followersPerTicket)
    .select('id', 'email', 'added_by_staff_id', 'created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    email: String(r.email),
    addedByStaffId: r.added_by_staff_id == null ? null : Number(r.added_by_staff_id),
    createdAt: Number(r.created_at),
  }));
}

export async function isFollower(db: Knex, ticketId: number, email: string): Promise<boolean> {
  return (await db('ticket_followers').where({ ticket_id: ticketId, email }).first('id')) !== undefined;
}

export async function countFollowers(db: Knex, ticketId: number): Promise<number> {
  const row = await db('ticket_followers').where({ ticket_id: ticketId }).count<{ n: number }[]>({ n: '*' });
  return Number(row[0]?.n ?? 0);
}

/**
 * Adds addresses that are not followers yet (the unique key makes a race add one row); call it
 * in a transaction that locked the ticket (the cap is counted there). Returns those added.
 */
export async function insertFollowers(
  trx: Knex,
  ticketId: number,
  emails: string[],
  addedBy: number | null,
  now: number,
): Promise<string[]> {
  if (!emails.length) return [];
  const existing = new Set(
    (await trx('ticket_followers').where({ ticket_id: ticketId }).whereIn('email', emails).pluck('email')).map(String),
  );
  const fresh = emails.filter((e) => !existing.has(e));
  if (fresh.length)
    await trx('ticket_followers').insert(
      fresh.map((email) => ({ ticket_id: ticketId, email, added_by_staff_id: addedBy, created_at: now })),
    );
  return fresh;
}

export async function deleteFollower(trx: Knex, ticketId: number, followerId: number): Promise<string | null> {
  const row = await trx('ticket_followers').where({ id: followerId, ticket_id: ticketId }).first('email');
  if (!row) return null;
  await trx('ticket_followers').where({ id: followerId, ticket_id: ticketId }).del();
  return String(row.email);
}

/** The privacy tools' scrub of tickets: nobody stays linked to them as a follower. */
export async function deleteFollowersOfTickets(trx: Knex, ticketIds: number[]): Promise<void> {
  if (ticketIds.length) await trx('ticket_followers').whereIn('ticket_id', ticketIds).del();
}

/** The privacy tools' erasure of a person: they follow nothing any more. */
export async function deleteFollowersByEmail(trx: Knex, email: string): Promise<number> {
  return Number(await trx('ticket_followers').where({ email }).del());
}
