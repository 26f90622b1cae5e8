import { withAdoptedFiles } from '../attachments/stored-files';
import { insertAttachments } from '../attachments/attachments.repo';
import type { CheckedFile } from '../attachments/file-check';
import { findActiveCategory, type CategoryRow } from '../categories/categories.repo';
import { ensureCustomer, findCustomerByEmail, type CustomerRow } from '../customers/customers.repo';
import { insertFieldValues } from '../custom-fields/custom-fields.repo';
import type { Db } from '../db/db';
import { isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { NotFoundError } from '../errors';
import { insertMessage } from './messages.repo';
import { findPriorityByKey, findStatusByKey } from './statuses.repo';
import type { Actor } from './ticket-events.repo';
import { newTrackingId } from './tracking-id';
import {
  bumpMessageCount,
  findTicketById,
  findTicketBySubmissionKey,
  insertTicket,
  trackingIdTaken,
  type TicketView,
} from './tickets.repo';
import type { TicketDeps } from './tickets.service';

export type NewTicket = {
  customer: { name: string; email: string; language: string };
  categoryId: number;
  priorityKey: string | null;
  subject: string;
  body: string;
  fieldValues: Array<{ fieldId: number; value: string }>;
  files: CheckedFile[];
  source: 'web' | 'api' | 'staff' | 'email';
  ip: string | null;
  submissionKey: string | null;
  /** A ticket staff open for a customer (phone, walk-in): who typed it; the event's actor. */
  enteredBy?: { staffId: number };
  /** False: no "ticket received" mail to the customer (staff chose not to tell them). */
  notifyCustomer?: boolean;
  /**
   * What the caller read just before (the portal's checks): the active category and the customer
   * with this address if it looked (null: none yet). Passing it also says the submission key was
   * looked up and was free, so createTicket reads none of these again; the key's unique index
   * still decides a race.
   */
  checked?: { category: CategoryRow; customer?: CustomerRow | null };
  /** The Message-ID of the mail that opened it: stored with the message, so the acknowledgement threads to it. */
  emailMessageId?: string | null;
};

/**
 * Runs `insert` (a whole transaction) with a new tracking ID. The unique index is the check: an
 * ID drawn twice (about one in 10^14 per ticket at a million tickets) fails the insert, and only
 * then is the ID looked up, and another drawn. No read of the tickets table on the usual path.
 */
async function withNewTrackingId<T>(db: Db, insert: (trackingId: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const trackingId = newTrackingId();
    try {
      return await insert(trackingId);
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err) && (await trackingIdTaken(db, trackingId))) continue;
      throw err;
    }
  }
}

/** A new ticket with the id of its first message, or the ticket a repeated submission key made earlier. */
export type CreatedTicket =
  | { ticket: TicketView; created: true; messageId: number }
  | { ticket: TicketView; created: false };

/**
 * Creates a ticket with its first message, custom field values and attachments in ONE
 * transaction; files are in the store only if the rows are. A repeated submission key (a double
 * click, a refresh) returns the ticket it already created.
 */
export async function createTicket(deps: TicketDeps, input: NewTicket): Promise<CreatedTicket> {
  const checked = Number(input.checked?.category.id) === input.categoryId ? input.checked : undefined;
  if (input.submissionKey && !checked) {
    const earlier = await findTicketBySubmissionKey(deps.db, input.submissionKey);
    if (earlier) return { ticket: earlier, created: false };
  }
  const category = checked?.category ?? (await findActiveCategory(deps.db, input.categoryId));
  if (!category) throw new NotFoundError('Category not found');
  // Looked up before the ticket's transaction, never as its first read: on MariaDB (repeatable read)
  // that read would fix the snapshot before a concurrent first contact of this address commits, and
  // the ticket's view (joined to its customer) would then miss the row the insert below waited for.
  const lookedUp =
    checked?.customer !== undefined
      ? checked.customer
      : ((await findCustomerByEmail(deps.db, input.customer.email)) ?? null);
  try {
    const { view: ticket, messageId } = await withAdoptedFiles(deps, input.files, (files) =>
      withNewTrackingId(deps.db, (trackingId) =>
        withTransaction(deps.db, async (trx) => {
          const now = deps.clock.now();
          // In the ticket's transaction: its commit is the customer's too (one log flush, not two). A first
          // ticket of the same address at once waits on the unique index here and then uses that row.
          const customerId = await ensureCustomer(trx, input.customer, now, lookedUp);
          const status = await findStatusByKey(trx, 'new');
          const priority = (input.priorityKey && (await findPriorityByKey(trx, input.priorityKey))) || null;
          const priorityId =
            priority?.id ?? category.default_priority_id ?? (await findPriorityByKey(trx, 'normal'))!.id;
          const ticketId = await insertTicket(trx, {
            tracking_id: trackingId,
            subject: input.subject,
            customer_id: customerId,
            category_id: category.id,
            tier: Number(category.tier),
            status_id: status!.id,
            priority_id: priorityId,
            language: input.customer.language,
            source: input.source,
            ip: input.ip,
            submission_key: input.submissionKey,
            created_at: now,
            updated_at: now,
          });
          // Written down by staff on the customer's behalf: still the customer's message, staff_id says who typed it.
          const messageId = await insertMessage(trx, {
            ticket_id: ticketId,
            kind: 'customer',
            customer_id: customerId,
            staff_id: input.enteredBy?.staffId ?? null,
            author_name: input.customer.name,
            body: input.body,
            ip: input.ip,
            email_message_id: input.emailMessageId ?? null,
            created_at: now,
          });
          await bumpMessageCount(trx, ticketId, { last_message_id: messageId });
          await insertFieldValues(trx, ticketId, input.fieldValues);
          await insertAttachments(trx, ticketId, messageId, files, now);
          const view = (await findTicketById(trx, ticketId))!;
          const actor: Actor = input.enteredBy
            ? { type: 'staff', id: input.enteredBy.staffId }
            : { type: 'customer', id: customerId };
          await deps.events.publish(
            trx,
            {
              type: 'ticket.created',
              ticket: view,
              messageId,
              actor,
              notifyCustomer: input.notifyCustomer ?? true,
              emailMessageId: input.emailMessageId ?? null,
              routing: { due_hours: category.due_hours, auto_assign: category.auto_assign },
            },
            now,
          );
          return { view, messageId };
        }),
      ),
    );
    return { ticket, created: true, messageId };
  } catch (err) {
    if (input.submissionKey && isUniqueViolation(err)) {
      const earlier = await findTicketBySubmissionKey(deps.db, input.submissionKey);
      if (earlier) return { ticket: earlier, created: false };
    }
    throw err;
  }
}
