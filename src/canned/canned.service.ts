import { z } from 'zod';
import type { Db } from '../db/db';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { NotFoundError, ValidationError } from '../errors';
import { deleteCanned, findCanned, insertCanned, listCannedFor, updateCanned, type Canned } from './canned.repo';

type Staff = CapabilityHolder & { id: number; name: string };

// eslint-disable-next-line no-control-regex
const noControl = (v: string) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v);
export const cannedSchema = z.object({
  title: z
    .string({ error: 'form.required' })
    .trim()
    .min(1, { error: 'form.required' })
    .max(191, { error: 'form.tooLong' })
    .refine((v) => noControl(v) && !/[\r\n]/.test(v), { error: 'form.invalidCharacters' }),
  folder: z
    .string({ error: 'form.invalid' })
    .trim()
    .max(120, { error: 'form.tooLong' })
    .refine(noControl, { error: 'form.invalidCharacters' })
    .optional()
    .default(''),
  body: z
    .string({ error: 'form.required' })
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'form.required' })
        .max(20_000, { error: 'form.tooLong' })
        .refine(noControl, { error: 'form.invalidCharacters' }),
    ),
  shared: z.literal('yes').optional(),
});

/** Shared responses need canned.manage; everyone writes their own; nobody sees another's own. */
function canEdit(staff: Staff, c: Canned): boolean {
  return c.ownerStaffId === null ? can(staff, 'canned.manage') : c.ownerStaffId === staff.id;
}

export const listCanned = (db: Db, staff: Staff) => listCannedFor(db, staff.id);

export async function cannedForStaff(db: Db, staff: Staff, id: number): Promise<Canned> {
  const c = Number.isSafeInteger(id) ? await findCanned(db, id) : undefined;
  if (!c || (c.ownerStaffId !== null && c.ownerStaffId !== staff.id)) throw new NotFoundError();
  return c;
}

function parse(input: unknown) {
  const parsed = cannedSchema.safeParse(input);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
    throw new ValidationError('Check the response.', errors);
  }
  return parsed.data;
}

/** The placeholders fillPlaceholders knows; anything else in double braces would be sent as typed. */
export const placeholderNames = ['customer_name', 'tracking_id', 'ticket_link', 'staff_name'] as const;
const knownPlaceholder = new RegExp(`\\{\\{\\s*(${placeholderNames.join('|')})\\s*\\}\\}`, 'g');

/**
 * The double-brace placeholders of a text that are not known ones, each once. Wider than the mail
 * templates' `[a-z_]+` on purpose: people write "{{customer.name}}" or "{{ Name }}" here.
 */
export function unknownPlaceholders(body: string): string[] {
  const found = [...body.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)]
    .map((m) => m[1]!)
    .filter((name) => !(placeholderNames as readonly string[]).includes(name));
  return [...new Set(found.map((name) => `{{${name}}}`))];
}

export async function saveCanned(
  db: Db,
  staff: Staff,
  id: number | null,
  input: unknown,
  now: number,
): Promise<number> {
  const data = parse(input);
  const unknown = unknownPlaceholders(data.body);
  if (unknown.length) {
    const vars = { names: unknown.slice(0, 5).join(', '), known: placeholderNames.map((n) => `{{${n}}}`).join(', ') };
    throw new ValidationError('Unknown placeholders.', {
      body: `ticketUx.canned.unknownPlaceholders|${JSON.stringify(vars)}`,
    });
  }
  const fields = { title: data.title, body: data.body, folder: data.folder || null };
  if (id === null) {
    if (data.shared && !can(staff, 'canned.manage'))
      throw new ValidationError('Only administrators write shared responses.', { shared: 'canned.sharedAdminOnly' });
    return insertCanned(db, { ...fields, ownerStaffId: data.shared ? null : staff.id }, now);
  }
  const existing = await cannedForStaff(db, staff, id);
  if (!canEdit(staff, existing)) throw new NotFoundError();
  await updateCanned(db, id, fields, now);
  return id;
}

export async function removeCanned(db: Db, staff: Staff, id: number): Promise<void> {
  const existing = await cannedForStaff(db, staff, id);
  if (!canEdit(staff, existing)) throw new NotFoundError();
  await deleteCanned(db, id);
}

/** Fills the placeholders a response may use; unknown ones stay as typed. */
/**
 * The responses a search from the reply box finds: those with every word of it in their folder,
 * title or text. A person's list is short (hundreds at most), so it is searched in memory.
 */
export function searchCanned(list: Canned[], query: string): Canned[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
  if (words.length === 0) return [];
  return list.filter((c) => {
    const text = `${c.folder ?? ''} / ${c.title}\n${c.body}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export function fillPlaceholders(
  body: string,
  values: { customerName: string; trackingId: string; ticketLink: string; staffName: string },
): string {
  const map: Record<(typeof placeholderNames)[number], string> = {
    customer_name: values.customerName,
    tracking_id: values.trackingId,
    ticket_link: values.ticketLink,
    staff_name: values.staffName,
  };
  return body.replace(knownPlaceholder, (_m, key: (typeof placeholderNames)[number]) => map[key] ?? '');
}

export const cannedEditable = canEdit;
