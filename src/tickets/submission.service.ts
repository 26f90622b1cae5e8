import { isBanned } from '../bans/ban-check';
import { listBans } from '../bans/bans.repo';
import { findActiveCategory } from '../categories/categories.repo';
import { findCustomerByEmail } from '../customers/customers.repo';
import { listActiveFields } from '../custom-fields/custom-fields.repo';
import { customerFieldsFor, validateFieldValues } from '../custom-fields/field-values';
import { hitWindowCounter } from '../db/window-counter';
import { clientKey } from '../security/client-key';
import { chargeCustomerSend } from '../security/reply-quota';
import { AppError, TooManyRequestsError, ValidationError } from '../errors';
import type { Settings } from '../settings/settings.schema';
import { formRetryToken, readFormShown, retryWindowSeconds, type ShownForm } from './form-timing';
import { attachmentErrors, checkUploads, type Upload } from '../attachments/upload-check';
import { findPriorityByKey } from './statuses.repo';
import { categoryIdOf, submissionSchema } from './submission.schema';
import { countOpenTicketsOfCustomer, findTicketBySubmissionKey, type TicketView } from './tickets.repo';
import { createTicket } from './ticket-create.service';
import type { TicketDeps } from './tickets.service';

/** A refusal that tells a spammer or a banned sender nothing about why. */
export class RefusedError extends AppError {
  constructor() {
    super(403, 'submission_refused', 'We could not accept this request.');
  }
}

export type Submission = {
  body: Record<string, unknown>;
  files: Upload[];
  ip: string;
  language: string;
  channel: 'web' | 'api';
  submissionKey: string | null;
};

/**
 * Opens a ticket as a customer, from the web form or the API: the same validation, anti-spam,
 * bans and limits on both. Field errors come back as a ValidationError whose details map each
 * form field to a locale key (attachment problems under "attachments" as `key|json-vars`).
 */
/** Sent sooner than the minimum fill time after the form was first shown; `retryToken` is the form's second try (form-timing.ts). */
export class TooFastError extends ValidationError {
  constructor(
    readonly retryToken: string,
    note: 'submit.tooFast' | 'submit.tooFastWait',
  ) {
    super('Sent too fast.', { form: note });
  }
}

/** A second try after the "too fast" note lets one ticket through. */
async function firstUseOf(db: TicketDeps['db'], shown: ShownForm, now: number): Promise<boolean> {
  return (await hitWindowCounter(db, `form-retry:${shown.signature}`, retryWindowSeconds * 1000, now)).hits === 1;
}

/** Every ticket sent, and every too-fast try, counts towards the address's hourly limit. */
async function chargeSubmitLimit(db: TicketDeps['db'], settings: Settings, client: string, now: number): Promise<void> {
  const hits = await hitWindowCounter(db, `submit:${client}`, 3600_000, now);
  if (hits.hits > settings['spam.submissionsPerHour'])
    throw new TooManyRequestsError(
      'Too many tickets from this address. Please try again later.',
      Math.ceil((hits.resetAt - now) / 1000),
    );
}

/** The web form's fill time, counted from the first showing of the form; see form-timing.ts. */
async function checkFillTime(
  deps: { db: TicketDeps['db']; settings: Settings; signingSecret: string },
  body: Record<string, unknown>,
  client: string,
  now: number,
): Promise<void> {
  const shown = readFormShown(deps.signingSecret, body.shown, now, client);
  if (shown === null) throw new ValidationError('The form has expired.', { form: 'submit.formExpired' });
  if (shown.age < deps.settings['spam.minFillSeconds']) {
    await chargeSubmitLimit(deps.db, deps.settings, client, now);
    // A second try still too soon keeps its token (the same first showing) and asks for a few seconds more.
    throw new TooFastError(
      formRetryToken(deps.signingSecret, shown.shownAt, client),
      shown.secondTry ? 'submit.tooFastWait' : 'submit.tooFast',
    );
  }
  // A second try used before: a fresh form, never another second try.
  if (shown.secondTry && !(await firstUseOf(deps.db, shown, now)))
    throw new ValidationError('The form has expired.', { form: 'submit.formExpired' });
}

export async function submitTicket(
  deps: TicketDeps & { settings: Settings; signingSecret: string },
  input: Submission,
): Promise<{ ticket: TicketView; created: boolean }> {
  const { settings, db } = deps;
  const now = deps.clock.now();
  const body = input.body;
  // A second send of the same form (double click, refresh) shows the ticket the first one made.
  if (input.submissionKey) {
    const earlier = await findTicketBySubmissionKey(db, input.submissionKey);
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (earlier && earlier.customerEmail === email) return { ticket: earlier, created: false };
    if (earlier) input = { ...input, submissionKey: null };
  }
  if (input.channel === 'web' && typeof body.website === 'string' && body.website !== '') throw new RefusedError();

  // Every field is checked in one go, so a person sees all problems at once.
  const errors: Record<string, string> = {};
  const parsed = submissionSchema.safeParse(body);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  const fields = parsed.success ? parsed.data : null;

  const typedEmail = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
  if (
    input.channel === 'web' &&
    settings['portal.confirmEmail'] &&
    typeof body.email === 'string' &&
    String(body.email_confirm ?? '')
      .trim()
      .toLowerCase() !== typedEmail
  )
    errors.email_confirm = 'submit.emailMismatch';
  const categoryId = categoryIdOf(body.category);
  const category = categoryId !== null ? await findActiveCategory(db, categoryId) : undefined;
  if (!errors.category && !category?.is_public) errors.category = 'form.chooseCategory';
  const priority =
    settings['portal.customerPriority'] && fields?.priority ? await findPriorityByKey(db, fields.priority) : undefined;
  if (settings['portal.customerPriority'] && fields?.priority && !priority) errors.priority = 'form.invalid';
  if (input.channel === 'web' && settings['spam.question']) {
    const answer = typeof body.answer === 'string' ? body.answer.trim().toLowerCase() : '';
    if (answer !== settings['spam.answer'].trim().toLowerCase()) errors.answer = 'submit.wrongAnswer';
  }
  const custom = validateFieldValues(
    customerFieldsFor(await listActiveFields(db), category ? Number(category.id) : null),
    body,
  );
  Object.assign(errors, custom.errors);
  const uploads = await checkUploads(input.files, settings);
  if (uploads.problems.length) errors.attachments = attachmentErrors(uploads.problems);
  if (Object.keys(errors).length || !fields || !category)
    throw new ValidationError('Some fields need attention.', errors);
  const client = clientKey(input.ip);
  if (input.channel === 'web') await checkFillTime(deps, body, client, now);

  if (isBanned(await listBans(db), { email: fields.email, ip: input.ip })) throw new RefusedError();
  const limit = settings['portal.maxOpenPerEmail'];
  const customer = limit > 0 ? ((await findCustomerByEmail(db, fields.email)) ?? null) : undefined;
  if (customer && (await countOpenTicketsOfCustomer(db, customer.id)) >= limit)
    throw new ValidationError('Too many open tickets.', { form: 'submit.tooManyOpen' });
  await chargeSubmitLimit(db, settings, client, now);
  // Files of new tickets count towards the address's hourly upload quota, as replies' files do.
  await chargeCustomerSend(db, settings, { client, ticketId: null }, { reply: false, files: uploads.accepted }, now);

  return createTicket(deps, {
    customer: { name: fields.name, email: fields.email, language: input.language },
    categoryId: Number(category.id),
    priorityKey: priority?.key ?? null,
    subject: fields.subject,
    body: fields.message,
    fieldValues: custom.values,
    files: uploads.accepted,
    source: input.channel,
    ip: input.ip,
    submissionKey: input.submissionKey,
    // Read above: the key was free (or dropped), the category active, the customer looked up.
    checked: { category, customer },
  });
}
