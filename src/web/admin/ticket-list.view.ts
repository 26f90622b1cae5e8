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
    listStatuses(db), listPriorities(db), listActiveCategories(db), listActiveStaff(db), listActiveFields(db), listVisibleTagNames(db, visible, 300),
  ]);
  return {
    visible,
    statuses,
    priorities,
    categories: visible === 'all' ? categories : categories.filter((c) => visible.includes(Number(c.id))),
    staff,
    fields: fields.filter((f) => f.categoryIds === 'all' || visible === 'all' || f.categoryIds.some((id) => visible.includes(id))),
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
