import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';

/** The due date (epoch ms) of a ticket; the column lives on tickets since the first schema. */
export async function findDueAt(db: Knex, ticketId: number): Promise<number | null> {
  const row = await db('tickets').where({ id: ticketId }).first('due_at');
  return row?.due_at == null ? null : Number(row.due_at);
}

/** One custom field value of a ticket: replaced, or removed when null. */
export async function putFieldValue(trx: Knex, ticketId: number, fieldId: number, value: string | null): Promise<void> {
  await trx('custom_field_values').where({ ticket_id: ticketId, field_id: fieldId }).del();
  if (value !== null) await trx('custom_field_values').insert({ ticket_id: ticketId, field_id: fieldId, value });
}

export type TimeEntry = { id: number; staffName: string; minutes: number; note: string | null; createdAt: number };

export async function insertTimeEntry(
  trx: Knex,
  row: {
    ticketId: number;
    staffId: number;
    staffName: string;
    minutes: number;
    note: string | null;
    submissionKey: string | null;
    now: number;
  },
): Promise<number> {
  return insertReturningId(trx, 'ticket_time_entries', {
    ticket_id: row.ticketId,
    staff_id: row.staffId,
    staff_name: row.staffName,
    minutes: row.minutes,
    note: row.note,
    submission_key: row.submissionKey,
    created_at: row.now,
  });
}

/** The time entry a "log time" form's one-time key stored (unique index). */
export async function findTimeEntryByKey(
  db: Knex,
  key: string,
): Promise<{ id: number; ticketId: number; staffId: number | null } | undefined> {
  const row = await db('ticket_time_entries').where({ submission_key: key }).first('id', 'ticket_id', 'staff_id');
  return row
    ? {
        id: Number(row.id),
        ticketId: Number(row.ticket_id),
        staffId: row.staff_id == null ? null : Number(row.staff_id),
      }
    : undefined;
}

/** A ticket's time entries, oldest first (a ticket has a handful, read through its index). */
export async function listTimeEntries(db: Knex, ticketId: number): Promise<TimeEntry[]> {
  const rows = await db('ticket_time_entries')
    .where({ ticket_id: ticketId })
    .orderBy('id')
    .select('id', 'staff_name', 'minutes', 'note', 'created_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    staffName: String(r.staff_name),
    minutes: Number(r.minutes),
    note: r.note == null ? null : String(r.note),
    createdAt: Number(r.created_at),
  }));
}

const pair = (a: number, b: number) => ({ low_ticket_id: Math.min(a, b), high_ticket_id: Math.max(a, b) });

export async function linkExists(db: Knex, a: number, b: number): Promise<boolean> {
  return Boolean(await db('ticket_links').where(pair(a, b)).first('low_ticket_id'));
}

export async function insertLink(trx: Knex, a: number, b: number, staffId: number, now: number): Promise<void> {
  await trx('ticket_links').insert({ ...pair(a, b), created_by_staff_id: staffId, created_at: now });
}

/** Removes the link; false when there was none (someone else removed it first). */
export async function deleteLink(trx: Knex, a: number, b: number): Promise<boolean> {
  return (await trx('ticket_links').where(pair(a, b)).del()) > 0;
}

export type LinkedTicket = {
  id: number;
  trackingId: string;
  subject: string;
  categoryId: number;
  statusKey: string;
  statusName: string;
};

/** The tickets linked to one, whichever side of the pair it is on (each side has its index). */
export async function listLinkedTickets(db: Knex, ticketId: number): Promise<LinkedTicket[]> {
  const [up, down] = await Promise.all([
    db('ticket_links').where({ low_ticket_id: ticketId }).pluck('high_ticket_id'),
    db('ticket_links').where({ high_ticket_id: ticketId }).pluck('low_ticket_id'),
  ]);
  const ids = [...up, ...down].map(Number);
  if (!ids.length) return [];
  const rows = await db('tickets as t')
    .join('statuses as s', 's.id', 't.status_id')
    .whereIn('t.id', ids)
    .orderBy('t.id')
    .select('t.id', 't.tracking_id', 't.subject', 't.category_id', 's.key as status_key', 's.name as status_name');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    trackingId: String(r.tracking_id),
    subject: String(r.subject),
    categoryId: Number(r.category_id),
    statusKey: String(r.status_key),
    statusName: String(r.status_name),
  }));
}

/** Names of the staff and categories a ticket's history refers to by id, in two small queries. */
export async function namesForHistory(
  db: Knex,
  staffIds: number[],
  categoryIds: number[],
): Promise<{ staff: Map<number, string>; categories: Map<number, string> }> {
  const [staff, categories] = await Promise.all([
    staffIds.length ? db('staff_users').whereIn('id', staffIds).select('id', 'name') : [],
    categoryIds.length ? db('categories').whereIn('id', categoryIds).select('id', 'name') : [],
  ]);
  const toMap = (rows: Array<{ id: number; name: string }>) => new Map(rows.map((r) => [Number(r.id), String(r.name)]));
  return { staff: toMap(staff), categories: toMap(categories) };
}

/**
 * After a merge: the merged ticket's time entries and links belong to the surviving ticket. A link
 * between the two becomes nothing, and one the survivor already has is not doubled.
 */
export async function moveTimeAndLinks(trx: Knex, fromId: number, toId: number): Promise<void> {
  await trx('ticket_time_entries').where({ ticket_id: fromId }).update({ ticket_id: toId });
  const links = await trx('ticket_links')
    .where({ low_ticket_id: fromId })
    .orWhere({ high_ticket_id: fromId })
    .select('low_ticket_id', 'high_ticket_id', 'created_by_staff_id', 'created_at');
  for (const l of links as Array<{
    low_ticket_id: number;
    high_ticket_id: number;
    created_by_staff_id: number | null;
    created_at: number;
  }>) {
    const other = Number(l.low_ticket_id) === fromId ? Number(l.high_ticket_id) : Number(l.low_ticket_id);
    if (other !== toId && !(await linkExists(trx, toId, other)))
      await trx('ticket_links').insert({
        ...pair(toId, other),
        created_by_staff_id: l.created_by_staff_id,
        created_at: l.created_at,
      });
  }
  await trx('ticket_links').where({ low_ticket_id: fromId }).orWhere({ high_ticket_id: fromId }).del();
  await trx('reply_drafts').where({ ticket_id: fromId }).del();
}
