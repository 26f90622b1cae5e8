import { bumpAutoCloseRevision } from '../auto-close/auto-close.repo';
import { recordAudit } from '../audit/audit.repo';
import { namesFromForm, parseNames, storeNames, fieldErrors, formFromNames } from '../catalog/localized';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import type { LanguageCode } from '../i18n/i18n';
import { listActiveStaff } from '../staff/staff.repo';
import { listPriorities } from '../tickets/statuses.repo';
import {
  escalationLinks,
  findCategory,
  insertCategoryFull,
  listAllCategories,
  replaceStaffOfCategory,
  staffIdsOfCategory,
  updateCategory,
  type CategoryAdminRow,
  type CategoryWrite,
} from './categories.repo';
import { categorySchema } from './categories.schema';
import { ensureAssignTurn } from './ticket-routing.repo';

/** Who makes an administrative change, for the audit log. */
export type AdminActor = { id: number; name: string; ip: string | null };

export const listCategoriesForAdmin = (db: Db) => listAllCategories(db);

export async function categoryForAdmin(
  db: Db,
  id: number,
): Promise<{ category: CategoryAdminRow; staffIds: number[] }> {
  const category = Number.isSafeInteger(id) && id > 0 ? await findCategory(db, id) : undefined;
  if (!category) throw new NotFoundError();
  return { category, staffIds: await staffIdsOfCategory(db, id) };
}

/** What the category form offers: priorities, escalation targets and the staff to tick. */
export async function categoryFormChoices(db: Db) {
  const [priorities, categories, staff] = await Promise.all([
    listPriorities(db),
    listAllCategories(db),
    listActiveStaff(db),
  ]);
  return { priorities, categories, staff };
}

/** The form's values for an existing category (or a fresh form). */
export function categoryFormValues(
  category: CategoryAdminRow | null,
  staffIds: number[],
  defaultLanguage: string,
): Record<string, string | string[]> {
  if (!category)
    return {
      ...formFromNames({}, 'name', '', defaultLanguage),
      description: '',
      visibility: 'public',
      tier: '1',
      default_priority: '',
      escalate_to: '',
      due_hours: '',
      auto_close_days: '',
      auto_assign: 'none',
      sort_order: '0',
      staff: [],
    };
  return {
    ...formFromNames(parseNames(category.names), 'name', category.name, defaultLanguage),
    description: category.description ?? '',
    visibility: category.is_public ? 'public' : 'staff',
    tier: String(category.tier),
    default_priority: category.default_priority_id == null ? '' : String(category.default_priority_id),
    escalate_to: category.escalate_to_id == null ? '' : String(category.escalate_to_id),
    due_hours: category.due_hours == null ? '' : String(category.due_hours),
    auto_close_days: category.auto_close_days == null ? '' : String(category.auto_close_days),
    auto_assign: category.auto_assign,
    sort_order: String(category.sort_order),
    staff: staffIds.map(String),
  };
}

/** True when following escalations from `target` comes back to `self`. */
function makesCycle(links: Map<number, number | null>, self: number | null, target: number): boolean {
  const seen = new Set<number>();
  for (let at: number | null | undefined = target; at != null; at = links.get(at)) {
    if (at === self || seen.has(at)) return true;
    seen.add(at);
  }
  return false;
}

/**
 * Creates or changes a category with the staff who may work it, and logs it; everything in one
 * transaction. The escalation target must exist and must not lead back to this category.
 */
export async function saveCategory(
  db: Db,
  actor: AdminActor,
  id: number | null,
  input: unknown,
  defaultLanguage: LanguageCode,
  now: number,
): Promise<number> {
  const parsed = categorySchema(defaultLanguage).safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the category.', fieldErrors(parsed.error));
  const v = parsed.data;
  const names = namesFromForm(v as unknown as Record<string, string>, 'name');
  const row: CategoryWrite = {
    name: names[defaultLanguage]!,
    names: storeNames(names),
    description: v.description || null,
    tier: v.tier,
    is_public: v.visibility === 'public',
    default_priority_id: v.default_priority,
    escalate_to_id: v.escalate_to,
    due_hours: v.due_hours,
    auto_close_days: v.auto_close_days,
    auto_assign: v.auto_assign,
    sort_order: v.sort_order,
  };
  return withTransaction(db, async (trx) => {
    const before = id === null ? null : await findCategory(trx, id);
    if (id !== null && !before) throw new NotFoundError();
    const { priorities, staff } = await categoryFormChoices(trx);
    const errors: Record<string, string> = {};
    if (row.default_priority_id !== null && !priorities.some((p) => Number(p.id) === row.default_priority_id))
      errors.default_priority = 'form.invalid';
    if (row.escalate_to_id !== null) {
      const links = await escalationLinks(trx);
      if (!links.has(row.escalate_to_id)) errors.escalate_to = 'form.invalid';
      else if (makesCycle(links, id, row.escalate_to_id)) errors.escalate_to = 'catalog.errors.escalationCycle';
    }
    const staffIds = [...new Set(v.staff)];
    if (!staffIds.every((s) => staff.some((m) => m.id === s))) errors.staff = 'form.invalid';
    if (Object.keys(errors).length) throw new ValidationError('Check the category.', errors);

    const savedId = id ?? (await insertCategoryFull(trx, row, now));
    if (id !== null) await updateCategory(trx, id, row, now);
    // Tickets already waiting in this category close by the new number of days.
    if (before && (before.auto_close_days === null ? null : Number(before.auto_close_days)) !== row.auto_close_days)
      await bumpAutoCloseRevision(trx, now);
    const staffBefore = id === null ? [] : await staffIdsOfCategory(trx, savedId);
    await replaceStaffOfCategory(trx, savedId, staffIds);
    await ensureAssignTurn(trx, savedId);
    await recordAudit(
      trx,
      {
        actor,
        action: id === null ? 'category.created' : 'category.changed',
        target: { type: 'category', id: savedId },
        details: { before: before ?? null, after: row, staff: { before: staffBefore, after: staffIds } },
        ip: actor.ip ?? undefined,
      },
      now,
    );
    return savedId;
  });
}

/** Archived categories are not offered for new tickets; tickets already in them keep them. */
export async function setCategoryArchived(
  db: Db,
  actor: AdminActor,
  id: number,
  archived: boolean,
  now: number,
): Promise<void> {
  if (!Number.isSafeInteger(id)) throw new NotFoundError();
  await withTransaction(db, async (trx) => {
    const category = await findCategory(trx, id);
    if (!category) throw new NotFoundError();
    await updateCategory(trx, id, { is_active: !archived }, now);
    await recordAudit(
      trx,
      {
        actor,
        action: archived ? 'category.archived' : 'category.restored',
        target: { type: 'category', id },
        details: { name: category.name },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
