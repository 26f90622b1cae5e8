import type { Knex } from 'knex';

export type TicketListRow = {
  id: number;
  trackingId: string;
  subject: string;
  customerName: string;
  customerEmail: string;
  categoryName: string;
  tier: number;
  statusKey: string;
  statusName: string;
  priorityKey: string;
  priorityName: string;
  ownerName: string | null;
  lastReplierType: string;
  lastReplierName: string | null;
  dueAt: number | null;
  slaDueAt: number | null;
  createdAt: number;
  updatedAt: number;
};

type Named = { id: number | string; key: string; name: string };

/**
 * All statuses and all priorities, when the caller has read them for this request already (the
 * staff list's filters did): the rows' names are taken from them instead of read again.
 */
export type KnownNames = { statuses?: Named[]; priorities?: Named[] };

const mapById = (rows: ReadonlyArray<object>) =>
  new Map(rows.map((r) => [Number((r as { id: unknown }).id), r as Record<string, unknown>]));

/** A small lookup table (categories, statuses, priorities) by id. */
async function rowsById(
  db: Knex,
  table: 'categories' | 'statuses' | 'priorities',
  columns: string[],
): Promise<Map<number, Record<string, unknown>>> {
  return mapById((await db(table).select(columns)) as Array<Record<string, unknown>>);
}

/** The list rows of these tickets, in the order given. */
export async function rowsOfTickets(db: Knex, idList: number[], known: KnownNames = {}): Promise<TicketListRow[]> {
  if (idList.length === 0) return [];
  // The page's rows by primary key, with their customer and staff names. The small lookup
  // tables are read beside it, not joined: joined, MariaDB starts from the 4-row priorities table
  // and walks a whole ticket index per priority, or joins it through a join buffer.
  const [rows, categories, statuses, priorities] = await Promise.all([
    db('tickets as t')
      .join('customers as c', 'c.id', 't.customer_id')
      .leftJoin('staff_users as o', 'o.id', 't.owner_id')
      .leftJoin('staff_users as r', 'r.id', 't.last_replier_staff_id')
      .whereIn('t.id', idList)
      .select(
        't.id',
        't.tracking_id',
        't.subject',
        'c.name as customer_name',
        'c.email as customer_email',
        't.category_id',
        't.tier',
        't.status_id',
        't.priority_id',
        'o.name as owner_name',
        't.last_replier_type',
        'r.name as last_replier_name',
        't.due_at',
        't.sla_due_at',
        't.created_at',
        't.updated_at',
      ),
    rowsById(db, 'categories', ['id', 'name']),
    known.statuses ? mapById(known.statuses) : rowsById(db, 'statuses', ['id', 'key', 'name']),
    known.priorities ? mapById(known.priorities) : rowsById(db, 'priorities', ['id', 'key', 'name']),
  ]);
  const byId = new Map<number, Record<string, unknown>>(
    (rows as Array<Record<string, unknown>>).map((r) => [Number(r.id), r]),
  );
  return idList
    .map((id) => byId.get(id)!)
    .map((r) => ({
      id: Number(r.id),
      trackingId: String(r.tracking_id),
      subject: String(r.subject),
      customerName: String(r.customer_name),
      customerEmail: String(r.customer_email),
      categoryName: String(categories.get(Number(r.category_id))?.name),
      tier: Number(r.tier),
      statusKey: String(statuses.get(Number(r.status_id))?.key),
      statusName: String(statuses.get(Number(r.status_id))?.name),
      priorityKey: String(priorities.get(Number(r.priority_id))?.key),
      priorityName: String(priorities.get(Number(r.priority_id))?.name),
      ownerName: r.owner_name == null ? null : String(r.owner_name),
      lastReplierType: String(r.last_replier_type),
      lastReplierName:
        r.last_replier_type === 'customer'
          ? String(r.customer_name)
          : r.last_replier_name == null
            ? null
            : String(r.last_replier_name),
      dueAt: r.due_at == null ? null : Number(r.due_at),
      slaDueAt: r.sla_due_at == null ? null : Number(r.sla_due_at),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
}
