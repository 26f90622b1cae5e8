import { listActiveCategories } from '../../categories/categories.repo';
import { listActiveFields } from '../../custom-fields/custom-fields.repo';
import type { Db } from '../../db/db';
import { can, type CapabilityHolder } from '../../staff/capabilities';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import { listActiveStaff } from '../../staff/staff.repo';
import { listVisibleTagNames } from '../../tags/tags.repo';
import { listPriorities, listStatuses } from '../../tickets/statuses.repo';

type Viewer = CapabilityHolder & { id: number };

/**
 * What every form around the ticket list needs (filters, bulk actions, the new-ticket form):
 * statuses, priorities, the categories this person may see, staff, custom fields, tags in use
 * in those categories, and what their role allows.
 */
export async function listContextFor(db: Db, me: Viewer) {
  const visible = await visibleCategoryIds(db, me);
  const [statuses, priorities, categories, staff, fields, tagNames] = await Promise.all([
    listStatuses(db),
    listPriorities(db),
    listActiveCategories(db),
    listActiveStaff(db),
    listActiveFields(db),
    listVisibleTagNames(db, visible, 300),
  ]);
  return {
    visible,
    statuses,
    priorities,
    categories: visible === 'all' ? categories : categories.filter((c) => visible.includes(Number(c.id))),
    staff,
    fields: fields.filter(
      (f) => f.categoryIds === 'all' || visible === 'all' || f.categoryIds.some((id) => visible.includes(id)),
    ),
    tagNames,
    may: {
      changeCategory: can(me, 'tickets.change_category'),
      merge: can(me, 'tickets.merge'),
      delete: can(me, 'tickets.delete'),
      export: can(me, 'tickets.export'),
      shareViews: can(me, 'views.share'),
    },
  };
}
export type ListContextView = Awaited<ReturnType<typeof listContextFor>>;

const dateLabels: Record<string, string> = {
  created_from: 'ticketList.createdFrom',
  created_to: 'ticketList.createdTo',
  updated_from: 'ticketList.updatedFrom',
  updated_to: 'ticketList.updatedTo',
  due_from: 'ticketList.dueFrom',
  due_to: 'ticketList.dueTo',
};
const queueLabels: Record<string, string> = {
  'due:overdue': 'dashboardQueues.overdue',
  'due:soon': 'dashboardQueues.dueSoon',
  'sla:breached': 'dashboardQueues.slaBreached',
  'sla:soon': 'dashboardQueues.slaSoon',
};

export type FilterChip = { label: string; href: string };

/**
 * The filters in force, each as a chip whose link is the same list without it: the form's
 * choices stay visible while the form itself is folded away. Built from the cleaned query, so a
 * chip exists only for a filter that applies.
 */
export function activeFilterChips(
  query: URLSearchParams,
  ctx: Pick<ListContextView, 'staff' | 'categories' | 'statuses'>,
  t: (key: string, options?: Record<string, unknown>) => string,
  statusName: (key: string, fallback: string) => string,
): FilterChip[] {
  const pairs = [...query];
  // The status chips ticked as they come (the open statuses) are the plain list, not a filter: no chips for them.
  const chosen = pairs.filter(([k]) => k === 'status').map(([, v]) => v);
  const openKeys = ctx.statuses.filter((s) => s.is_open).map((s) => s.key);
  const plainStatuses =
    !query.has('q') && chosen.length === openKeys.length && openKeys.every((k) => chosen.includes(k));
  const named = (name: string, value: string) => t('listFirst.chip', { name, value });
  const labelOf = (key: string, value: string): string | null => {
    if (key === 'q') return t('listFirst.chipSearch', { text: value });
    if (key === 'status')
      return plainStatuses
        ? null
        : named(t('staffList.status'), statusName(value, ctx.statuses.find((s) => s.key === value)?.name ?? value));
    if (key === 'owner') {
      const who =
        value === 'me'
          ? t('staffList.me')
          : value === 'unassigned'
            ? t('staffList.unassigned')
            : (ctx.staff.find((s) => String(s.id) === value)?.name ?? value);
      return named(t('staffList.owner'), who);
    }
    if (key === 'category')
      return named(t('staffList.category'), ctx.categories.find((c) => String(c.id) === value)?.name ?? value);
    if (key === 'priority') return named(t('staffList.priority'), t(`priority.${value}`, { defaultValue: value }));
    if (key === 'tier') return named(t('staffList.tier'), value);
    if (key === 'tag') return named(t('ticketList.tag'), value);
    if (dateLabels[key]) return named(t(dateLabels[key]), value);
    if (queueLabels[`${key}:${value}`]) return t(queueLabels[`${key}:${value}`]!);
    return null; // sort, order, page size and columns are how the list looks, not which tickets it holds
  };
  const chips: FilterChip[] = [];
  pairs.forEach(([key, value], index) => {
    const label = labelOf(key, value);
    if (label === null) return;
    const rest = new URLSearchParams(pairs.filter((_, i) => i !== index)).toString();
    chips.push({ label, href: `/admin/tickets${rest ? `?${rest}` : ''}` });
  });
  return chips;
}
