import type { AttachmentStore } from '../attachments/attachment-store';
import { withAdoptedFiles } from '../attachments/stored-files';
import { insertAttachments } from '../attachments/attachments.repo';
import type { CheckedFile } from '../attachments/file-check';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ForbiddenError } from '../errors';
import { can, type CapabilityHolder } from '../staff/capabilities';
import { refuseMerged } from './merged-ticket';
import { insertMessage } from './messages.repo';
import { NewerMessageError, storeMessageOnce } from './message-once';
import { findStatusByKey } from './statuses.repo';
import type { TicketEvents } from './ticket-events';
import type { Actor } from './ticket-events.repo';
import { bumpMessageCount, findTicketById, lockTicketForMessage, type TicketView } from './tickets.repo';

export type TicketDeps = { db: Db; clock: Clock; events: TicketEvents; store: AttachmentStore };

/**
 * A customer's reply: stored with its files, the ticket reopened for staff if it was waiting.
 * The form's submission key makes a repeat answer with the first send's message.
 */
export async function addCustomerReply(
  deps: TicketDeps,
  ticket: TicketView,
  input: {
    body: string;
    files: CheckedFile[];
    ip: string | null;
    submissionKey?: string | null;
    authorName?: string;
    /** The Message-ID of the customer's mail, when the reply came by e-mail. */
    emailMessageId?: string | null;
  },
): Promise<{ messageId: number; created: boolean }> {
  const send = {
    ticketId: ticket.id,
    kind: 'customer' as const,
    staffId: null,
    customerId: ticket.customerId,
    submissionKey: input.submissionKey ?? null,
  };
  return storeMessageOnce(deps.db, send, (key) =>
    withAdoptedFiles(deps, input.files, (files) =>
      withTransaction(deps.db, async (trx) => {
        const now = deps.clock.now();
        const actor: Actor = { type: 'customer', id: ticket.customerId };
        await lockTicketForMessage(trx, ticket.id, now);
        const messageId = await insertMessage(trx, {
          ticket_id: ticket.id,
          kind: 'customer',
          customer_id: ticket.customerId,
          author_name: input.authorName ?? ticket.customerName,
          body: input.body,
          ip: input.ip,
          submission_key: key,
          email_message_id: input.emailMessageId ?? null,
          created_at: now,
        });
        await insertAttachments(trx, ticket.id, messageId, files, now);
        const reopen = ticket.statusKey !== 'new' && ticket.statusKey !== 'open';
        const open = reopen ? await findStatusByKey(trx, 'open') : undefined;
        await bumpMessageCount(trx, ticket.id, {
          updated_at: now,
          last_message_id: messageId,
          last_replier_type: 'customer',
          last_replier_staff_id: null,
          ...(open ? { status_id: open.id, resolved_at: null, resolved_by: null, resolved_by_staff_id: null } : {}),
        });
        const view = (await findTicketById(trx, ticket.id))!;
        await deps.events.publish(trx, { type: 'ticket.customer_replied', ticket: view, messageId, actor }, now);
        if (open)
          await deps.events.publish(
            trx,
            { type: 'ticket.status_changed', ticket: view, from: ticket.statusKey, to: 'open', actor },
            now,
          );
        return messageId;
      }),
    ),
  );
}

export type StaffReplyInput = {
  staff: CapabilityHolder & { id: number; name: string };
  body: string;
  files: CheckedFile[];
  statusKey?: string;
  /** The form's one-time key: a repeat returns the id of the reply the first send stored. */
  submissionKey?: string | null;
  /** The newest message the person saw: a newer one refuses the reply (NewerMessageError). */
  seenMessageId?: number | null;
};

/**
 * A staff member's reply to the customer, optionally setting a status (default: replied). The
 * staff workspace and the API call this; the customer is told through the event's subscribers.
 */
export async function addStaffReply(deps: TicketDeps, ticket: TicketView, input: StaffReplyInput): Promise<number> {
  if (!can(input.staff, 'tickets.reply')) throw new ForbiddenError();
  refuseMerged(ticket);
  const send = {
    ticketId: ticket.id,
    kind: 'staff' as const,
    staffId: input.staff.id,
    customerId: null,
    submissionKey: input.submissionKey ?? null,
  };
  const { messageId } = await storeMessageOnce(deps.db, send, (key) =>
    withAdoptedFiles(deps, input.files, (files) =>
      withTransaction(deps.db, async (trx) => {
        const now = deps.clock.now();
        const actor: Actor = { type: 'staff', id: input.staff.id };
        if (!(await lockTicketForMessage(trx, ticket.id, now, input.seenMessageId ?? null)))
          throw new NewerMessageError();
        const messageId = await insertMessage(trx, {
          ticket_id: ticket.id,
          kind: 'staff',
          staff_id: input.staff.id,
          author_name: input.staff.name,
          body: input.body,
          submission_key: key,
          created_at: now,
        });
        await insertAttachments(trx, ticket.id, messageId, files, now);
        const status =
          (await findStatusByKey(trx, input.statusKey ?? 'replied')) ?? (await findStatusByKey(trx, 'replied'))!;
        const closing = !status.is_open;
        await bumpMessageCount(trx, ticket.id, {
          updated_at: now,
          last_message_id: messageId,
          last_replier_type: 'staff',
          last_replier_staff_id: input.staff.id,
          status_id: status.id,
          ...(closing
            ? { resolved_at: now, resolved_by: 'staff', resolved_by_staff_id: input.staff.id }
            : { resolved_at: null, resolved_by: null, resolved_by_staff_id: null }),
        });
        const view = (await findTicketById(trx, ticket.id))!;
        await deps.events.publish(
          trx,
          {
            type: 'ticket.staff_replied',
            ticket: view,
            messageId,
            body: input.body,
            staffName: input.staff.name,
            actor,
          },
          now,
        );
        if (status.key !== ticket.statusKey)
          await deps.events.publish(
            trx,
            { type: 'ticket.status_changed', ticket: view, from: ticket.statusKey, to: status.key, actor },
            now,
          );
        return messageId;
      }),
    ),
  );
  return messageId;
}
