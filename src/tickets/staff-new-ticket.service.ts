import { z } from 'zod';
import { findActiveCategory } from '../categories/categories.repo';
import type { CustomField } from '../custom-fields/custom-fields.repo';
import { listActiveFields } from '../custom-fields/custom-fields.repo';
import { validateFieldValues } from '../custom-fields/field-values';
import { ForbiddenError, ValidationError } from '../errors';
import { languageCodes } from '../i18n/i18n';
import type { Settings } from '../settings/settings.schema';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { visibleCategoryIds } from '../staff/category-access.repo';
import { attachmentErrors, checkUploads, type Upload } from '../attachments/upload-check';
import { assign, type StaffActor } from './staff-actions.service';
import { findPriorityByKey } from './statuses.repo';
import { categoryIdOf, submissionSchema } from './submission.schema';
import type { TicketView } from './tickets.repo';
import { createTicket } from './ticket-create.service';
import type { TicketDeps } from './tickets.service';

const staffTicketSchema = submissionSchema.extend({
  notify: z.enum(['yes', 'no'], { error: 'form.invalid' }),
  assign_me: z.literal('yes', { error: 'form.invalid' }).optional(),
  language: z.enum(languageCodes, { error: 'form.invalid' }).optional(),
});

/** Every field of a category, the staff-only ones too: staff fill in what the customer said. */
export function staffFieldsFor(fields: CustomField[], categoryId: number | null): CustomField[] {
  return fields.filter((f) => f.categoryIds === 'all' || (categoryId !== null && f.categoryIds.includes(categoryId)));
}

/**
 * A ticket staff open for a customer who phoned or walked in. It goes through createTicket like
 * any other (one transaction, the same events and notifications); the first message is the
 * customer's, recorded with the staff member who typed it, and the ticket's source is "staff".
 * The customer gets the "ticket received" mail only if staff chose to tell them.
 */
export async function openTicketForCustomer(
  deps: TicketDeps & { settings: Settings },
  staff: StaffActor & CapabilityHolder,
  input: { body: Record<string, unknown>; files: Upload[]; submissionKey: string | null },
): Promise<{ ticket: TicketView; created: boolean }> {
  if (!can(staff, 'tickets.create')) throw new ForbiddenError();
  const { db, settings } = deps;
  const body = input.body;
  const errors: Record<string, string> = {};
  const parsed = staffTicketSchema.safeParse(body);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  const data = parsed.success ? parsed.data : null;
  // Only a category this person works (and still active); others are "choose a category", as if unknown.
  const visible = await visibleCategoryIds(db, staff);
  const categoryId = categoryIdOf(body.category);
  const category =
    categoryId !== null && (visible === 'all' || visible.includes(categoryId))
      ? await findActiveCategory(db, categoryId)
      : undefined;
  if (!errors.category && !category) errors.category = 'form.chooseCategory';
  const priorityKey = typeof body.priority === 'string' && body.priority ? body.priority.slice(0, 32) : null;
  const priority = priorityKey ? await findPriorityByKey(db, priorityKey) : undefined;
  if (priorityKey && !priority) errors.priority ??= 'form.invalid';
  const custom = validateFieldValues(
    staffFieldsFor(await listActiveFields(db), category ? Number(category.id) : null),
    body,
  );
  Object.assign(errors, custom.errors);
  const uploads = await checkUploads(input.files, settings);
  if (uploads.problems.length) errors.attachments = attachmentErrors(uploads.problems);
  if (Object.keys(errors).length || !data || !category)
    throw new ValidationError('Some fields need attention.', errors);

  const result = await createTicket(deps, {
    customer: { name: data.name, email: data.email, language: data.language ?? settings['helpdesk.language'] },
    categoryId: Number(category.id),
    priorityKey: priority?.key ?? null,
    subject: data.subject,
    body: data.message,
    fieldValues: custom.values,
    files: uploads.accepted,
    source: 'staff',
    ip: null,
    submissionKey: input.submissionKey,
    enteredBy: { staffId: staff.id },
    notifyCustomer: data.notify === 'yes',
  });
  if (result.created && data.assign_me) await assign(deps, result.ticket, staff, staff.id);
  return result;
}
