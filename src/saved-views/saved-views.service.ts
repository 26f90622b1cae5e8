import { z } from 'zod';
import type { Db } from '../db/db';
import { NotFoundError, ValidationError } from '../errors';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { listParamsOnly } from '../tickets/list-query';
import {
  countOwnViews,
  deleteView,
  findView,
  insertView,
  listViewsFor,
  updateView,
  type SavedView,
} from './saved-views.repo';

type Staff = CapabilityHolder & { id: number };

export const maxViewsPerPerson = 50;

// eslint-disable-next-line no-control-regex
const name = z
  .string({ error: 'form.required' })
  .trim()
  .min(1, { error: 'form.required' })
  .max(120, { error: 'form.tooLong' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'form.invalidCharacters' });
const viewSchema = z.object({
  name,
  shared: z.literal('yes').optional(),
  query: z.string({ error: 'form.invalid' }).max(4000, { error: 'form.tooLong' }).optional().default(''),
});
const renameSchema = z.object({ name });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues)
    errors[`view-${String(issue.path[0])}`] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  throw new ValidationError('Check the view.', errors);
}

/** Sharing a view with every staff member needs 'views.share' (admins have every capability). */
export const canShareViews = (staff: Staff) => can(staff, 'views.share');

export const viewsFor = (db: Db, staff: Staff) => listViewsFor(db, staff.id);

/** A view the person may use: their own, or a shared one; anything else is "not found". */
export async function viewForStaff(db: Db, staff: Staff, id: number): Promise<SavedView> {
  const view = Number.isSafeInteger(id) && id > 0 ? await findView(db, id) : undefined;
  if (!view || (!view.shared && view.ownerStaffId !== staff.id)) throw new NotFoundError();
  return view;
}

/** A view only its owner changes (admins also tidy shared ones). */
async function ownView(db: Db, staff: Staff, id: number): Promise<SavedView> {
  const view = await viewForStaff(db, staff, id);
  if (view.ownerStaffId !== staff.id && !(view.shared && staff.isAdmin)) throw new NotFoundError();
  return view;
}

/** Saves the list's current filters, sort, page size and columns under a name. */
export async function saveView(db: Db, staff: Staff, input: unknown, now: number): Promise<number> {
  const data = parse(viewSchema, input);
  if (data.shared && !canShareViews(staff))
    throw new ValidationError('You may not share views.', { 'view-shared': 'savedViews.shareNotAllowed' });
  if ((await countOwnViews(db, staff.id)) >= maxViewsPerPerson)
    throw new ValidationError('Too many views.', { 'view-name': 'savedViews.tooMany' });
  return insertView(
    db,
    {
      ownerStaffId: staff.id,
      name: data.name,
      shared: Boolean(data.shared),
      query: listParamsOnly(data.query.replace(/^\?/, '')).toString(),
    },
    now,
  );
}

export async function renameView(db: Db, staff: Staff, id: number, input: unknown, now: number): Promise<void> {
  await ownView(db, staff, id);
  await updateView(db, id, { name: parse(renameSchema, input).name }, now);
}

export async function removeView(db: Db, staff: Staff, id: number): Promise<void> {
  await ownView(db, staff, id);
  await deleteView(db, id);
}

/** The list's address for a view: its own parameters plus its id, so the list can say which view is open. */
export const viewHref = (view: SavedView) =>
  `/admin/tickets?${new URLSearchParams([...listParamsOnly(view.query), ['view', String(view.id)]]).toString()}`;
