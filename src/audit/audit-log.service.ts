import { z } from 'zod';
import type { Db } from '../db/db';
import { zonedLocalToEpoch } from '../tickets/zoned-time';
import { collectAuditRefs, formatAuditEntries, type AuditViewer } from './audit-format';
import { resolveAuditNames } from './audit-names.repo';
import {
  listAuditActions,
  listAuditPage,
  listAuditPeople,
  type AuditCursor,
  type AuditFilter,
} from './audit-query.repo';

export const auditPageSize = 50;

/** A calendar day that exists (2026-02-31 does not; the date arithmetic below would throw on it). */
const isRealDay = (d: string) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
};
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(isRealDay);
/** The viewer's query string; anything malformed is ignored rather than refused (it is a filter). */
const querySchema = z.object({
  person: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional()
    .catch(undefined),
  action: z.string().trim().min(1).max(64).optional().catch(undefined),
  from: date.optional().catch(undefined),
  to: date.optional().catch(undefined),
  before: z
    .string()
    .regex(/^\d{1,15}\.\d{1,15}$/)
    .optional()
    .catch(undefined),
});

export type AuditQuery = { person: string; action: string; from: string; to: string };

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** A page of the audit log for the viewer's filters, with the choices its filter form offers. */
export async function auditLogPage(db: Db, rawQuery: unknown, viewer: AuditViewer) {
  const { timeZone } = viewer;
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
  const [page, actions, people] = await Promise.all([
    listAuditPage(db, filter, cursor, auditPageSize),
    listAuditActions(db),
    listAuditPeople(db),
  ]);
  const query: AuditQuery = {
    person: q.person ?? '',
    action: q.action ?? '',
    from: from !== null ? q.from! : '',
    to: to !== null ? q.to! : '',
  };
  return {
    query,
    entries: formatAuditEntries(page.rows, await resolveAuditNames(db, collectAuditRefs(page.rows)), viewer),
    next: page.next ? `${page.next.createdAt}.${page.next.id}` : null,
    isFirstPage: cursor === null,
    // An action asked for in the address stays choosable even when it is older than the list.
    actions: q.action && !actions.includes(q.action) ? [q.action, ...actions] : actions,
    people,
  };
}
