import type { Db } from '../db/db';
import { visibleCategoryIds } from '../staff/category-access.repo';
import { countTickets, type TicketListFilter } from './ticket-list.repo';
import { listStatuses } from './statuses.repo';

export const queueCountCap = 1000;

/** A queue; a status queue also carries the status's key and stored name, so the page names it as the list does. */
export type Queue = {
  id: string;
  count: number;
  capped: boolean;
  href: string;
  status?: { key: string; name: string };
};

/** "Due soon" looks this far ahead. */
export const dueSoonMs = 24 * 3600_000;

/**
 * The dashboard's queues for one staff member, each counted only up to a cap, so the page costs
 * the same at ten thousand and at a million tickets.
 */
export async function queuesFor(
  db: Db,
  staff: { id: number; isAdmin: boolean },
  now: number,
  /** The categories the staff member sees, when the caller has read them already (the dashboard). */
  known?: number[] | 'all',
): Promise<Queue[]> {
  const [visible, statuses] = await Promise.all([known ?? visibleCategoryIds(db, staff), listStatuses(db)]);
  const open = statuses.filter((s) => s.is_open).map((s) => s.id);
  const openKeys = statuses
    .filter((s) => s.is_open)
    .map((s) => `status=${encodeURIComponent(s.key)}`)
    .join('&');
  type Def = {
    id: string;
    filter: Omit<TicketListFilter, 'categories'>;
    href: string;
    status?: { key: string; name: string };
  };
  const defs: Def[] = [
    // All open statuses together are "unresolved": the word "Open" is the name of one status, and
    // a queue called "Open" beside a list full of "Answered by us" read as a contradiction.
    { id: 'active', filter: { statusIds: open }, href: `/admin/tickets?${openKeys}` },
    {
      id: 'mine',
      filter: { statusIds: open, owner: { kind: 'staff', id: staff.id } },
      href: `/admin/tickets?${openKeys}&owner=me`,
    },
    {
      id: 'unassigned',
      filter: { statusIds: open, owner: { kind: 'unassigned' } },
      href: `/admin/tickets?${openKeys}&owner=unassigned`,
    },
    {
      id: 'overdue',
      filter: { statusIds: open, due: { to: now } },
      href: '/admin/tickets?due=overdue&sort=due&dir=asc',
    },
    {
      id: 'dueSoon',
      filter: { statusIds: open, due: { from: now, to: now + dueSoonMs } },
      href: '/admin/tickets?due=soon&sort=due&dir=asc',
    },
    {
      id: 'slaBreached',
      filter: { statusIds: open, sla: { to: now } },
      href: '/admin/tickets?sla=breached&sort=sla&dir=asc',
    },
    {
      id: 'slaSoon',
      filter: { statusIds: open, sla: { from: now, to: now + dueSoonMs } },
      href: '/admin/tickets?sla=soon&sort=sla&dir=asc',
    },
    // One queue per open status, named and filtered exactly as the list's status chips.
    ...statuses
      .filter((s) => s.is_open)
      .map(
        (s): Def => ({
          id: `status:${s.key}`,
          filter: { statusIds: [s.id] },
          href: `/admin/tickets?status=${encodeURIComponent(s.key)}`,
          status: { key: s.key, name: s.name },
        }),
      ),
  ];
  return Promise.all(
    defs.map(async (d) => {
      const count = await countTickets(db, { ...d.filter, categories: visible }, queueCountCap);
      return {
        id: d.id,
        count: Math.min(count, queueCountCap),
        capped: count > queueCountCap,
        href: d.href,
        ...(d.status ? { status: d.status } : {}),
      };
    }),
  );
}
