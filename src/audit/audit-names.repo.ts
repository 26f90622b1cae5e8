import type { Knex } from 'knex';

/** The kinds of things an audit entry can name by id, and the table and column that name them. */
const nameSources = {
  staff: { table: 'staff_users', column: 'name' },
  category: { table: 'categories', column: 'name' },
  role: { table: 'roles', column: 'name' },
  mailbox: { table: 'mailboxes', column: 'name' },
  custom_field: { table: 'custom_fields', column: 'label' },
  kb_category: { table: 'kb_categories', column: 'name' },
  sla_policy: { table: 'sla_policies', column: 'name' },
  sla_calendar: { table: 'sla_calendars', column: 'name' },
  status: { table: 'statuses', column: 'name' },
  priority: { table: 'priorities', column: 'name' },
  api_token: { table: 'api_tokens', column: 'name' },
} as const;

export type NamedKind = keyof typeof nameSources | 'ticket' | 'customer' | 'kb_article';
export const namedKinds = new Set<string>([...Object.keys(nameSources), 'ticket', 'customer', 'kb_article']);

/** Ids to name, per kind; tickets may also be asked for by tracking ID (an anonymized ticket's entry keeps that). */
export type AuditRefs = Map<NamedKind, Set<number>> & { trackingIds?: Set<string> };
/** Names per kind and id; a ticket's name is its tracking ID, and `ticketByTracking` maps tracking IDs back to ids. */
export type AuditNames = { byKind: Map<NamedKind, Map<number, string>>; ticketByTracking: Map<string, number> };

const cap = 1000; // a page holds 50 entries; this only bounds a hostile or odd page

/**
 * Names for every id the shown page mentions: one query per kind, never one per entry.
 * Things deleted since are simply missing (the formatter then shows the id).
 */
export async function resolveAuditNames(db: Knex, refs: AuditRefs): Promise<AuditNames> {
  const byKind = new Map<NamedKind, Map<number, string>>();
  const ticketByTracking = new Map<string, number>();
  const ids = (kind: NamedKind) => [...(refs.get(kind) ?? [])].slice(0, cap);
  const put = (kind: NamedKind, rows: Array<{ id: unknown; name: unknown }>) =>
    byKind.set(kind, new Map(rows.map((r) => [Number(r.id), String(r.name ?? '')])));
  const jobs: Array<Promise<void>> = Object.entries(nameSources).map(async ([kind, src]) => {
    const wanted = ids(kind as NamedKind);
    if (wanted.length)
      put(kind as NamedKind, await db(src.table).whereIn('id', wanted).select('id', `${src.column} as name`));
  });
  const tickets = ids('ticket');
  const codes = [...(refs.trackingIds ?? [])].slice(0, cap);
  if (tickets.length || codes.length) {
    jobs.push(
      (async () => {
        const rows: Array<{ id: unknown; tracking_id: string }> = await db('tickets')
          .where((w) => {
            if (tickets.length) w.orWhereIn('id', tickets);
            if (codes.length) w.orWhereIn('tracking_id', codes);
          })
          .select('id', 'tracking_id');
        put(
          'ticket',
          rows.map((r) => ({ id: r.id, name: r.tracking_id })),
        );
        for (const r of rows) ticketByTracking.set(r.tracking_id, Number(r.id));
      })(),
    );
  }
  const customers = ids('customer');
  if (customers.length) {
    jobs.push(
      (async () => {
        const rows: Array<{ id: number; name: string | null; email: string }> = await db('customers')
          .whereIn('id', customers)
          .select('id', 'name', 'email');
        put(
          'customer',
          rows.map((r) => ({ id: r.id, name: r.name || r.email })),
        );
      })(),
    );
  }
  const articles = ids('kb_article');
  if (articles.length) {
    // An article's title lives per language; the first version stored is the one named.
    jobs.push(
      (async () => {
        const rows: Array<{ article_id: unknown; title: string }> = await db('kb_article_versions')
          .whereIn('article_id', articles)
          .orderBy('id')
          .select('article_id', 'title');
        const titles = new Map<number, string>();
        for (const r of rows) if (!titles.has(Number(r.article_id))) titles.set(Number(r.article_id), r.title);
        byKind.set('kb_article', titles);
      })(),
    );
  }
  await Promise.all(jobs);
  return { byKind, ticketByTracking };
}
