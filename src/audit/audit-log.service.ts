import { z } from 'zod';
import type { Db } from '../db/db';
import { zonedLocalToEpoch } from '../tickets/zoned-time';
import { listAuditActions, listAuditPage, listAuditPeople, type AuditCursor, type AuditFilter } from './audit-query.repo';

export const auditPageSize = 50;

/** A calendar day that exists (2026-02-31 does not; the date arithmetic below would throw on it). */
const isRealDay = (d: string) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
};
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine(isRealDay);
/** The viewer's query string; anything malformed is ignored rather than refused (it is a filter). */
const querySchema = z.object({
  person: z.string().regex(/^\d{1,9}$/).optional().catch(undefined),
  action: z.string().trim().min(1).max(64).optional().catch(undefined),
  from: date.optional().catch(undefined),
  to: date.optional().catch(undefined),
  before: z.string().regex(/^\d{1,15}\.\d{1,15}$/).optional().catch(undefined),
});

export type AuditQuery = { person: string; action: string; from: string; to: string };

/** One change as the viewer shows it: a name and, for a before/after pair, both values. */
export type AuditDetail = { name: string; value?: string; before?: string; after?: string };

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const shown = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

/**
 * The stored JSON details in readable lines: a `changes` map becomes one line per key with its
 * before and after; any other field one line with its value. Never HTML: the view escapes it.
 */
export function describeDetails(json: string | null): AuditDetail[] {
  if (!json) return [];
  let details: unknown;
  try {
    details = JSON.parse(json);
  } catch {
    return [{ name: '', value: json }];
  }
  if (typeof details !== 'object' || details === null) return [{ name: '', value: shown(details) }];
  return Object.entries(details).flatMap(([name, value]): AuditDetail[] => {
    if (name === 'changes' && typeof value === 'object' && value !== null) {
      return Object.entries(value).map(([key, change]) =>
        typeof change === 'object' && change !== null && 'before' in change && 'after' in change ? { name: key, before: shown(change.before), after: shown(change.after) } : { name: key, value: shown(change) },
      );
    }
    return [{ name, value: shown(value) }];
  });
}

/** A page of the audit log for the viewer's filters, with the choices its filter form offers. */
export async function auditLogPage(db: Db, rawQuery: unknown, timeZone: string) {
  const q = querySchema.parse(typeof rawQuery === 'object' && rawQuery !== null ? rawQuery : {});
  const filter: AuditFilter = {};
  if (q.person) filter.staffId = Number(q.person);
  if (q.action) filter.action = q.action;
  const from = q.from ? zonedLocalToEpoch(`${q.from}T00:00`, timeZone) : null;
  const to = q.to ? zonedLocalToEpoch(`${nextDay(q.to)}T00:00`, timeZone) : null;
  if (from !== null) filter.from = from;
  if (to !== null) filter.to = to;
  const [createdAt, id] = q.before ? q.before.split('.').map(Number) : [];
  const cursor: AuditCursor | null = createdAt !== undefined && id !== undefined ? { createdAt, id } : null;
  const [page, actions, people] = await Promise.all([listAuditPage(db, filter, cursor, auditPageSize), listAuditActions(db), listAuditPeople(db)]);
  const query: AuditQuery = { person: q.person ?? '', action: q.action ?? '', from: from !== null ? q.from! : '', to: to !== null ? q.to! : '' };
  return {
    query,
    entries: page.rows.map((r) => ({ ...r, details: describeDetails(r.details) })),
    next: page.next ? `${page.next.createdAt}.${page.next.id}` : null,
    isFirstPage: cursor === null,
    // An action asked for in the address stays choosable even when it is older than the list.
    actions: q.action && !actions.includes(q.action) ? [q.action, ...actions] : actions,
    people,
  };
}
