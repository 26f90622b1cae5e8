import type { Knex } from 'knex';
import type { CheckedFile } from '../attachments/file-check';
import type { CategoryRow } from '../categories/categories.repo';
import type { CustomerRow } from '../customers/customers.repo';
import { withTransaction } from '../db/transaction';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { createTicket } from '../tickets/ticket-create.service';
import { addCustomerReply, type TicketDeps } from '../tickets/tickets.service';
import type { TicketView } from '../tickets/tickets.repo';
import { firstMessageIdOf } from './thread.repo';
import type { Thread } from './threading';
import { followersFromCc } from '../followers/followers.service';
import type { Settings } from '../settings/settings.schema';

/** A new ticket's particulars, decided by the import (category, priority, the customer). */
export type NewTicketPlan = {
  customer: { name: string; email: string; language: string };
  categoryId: number;
  /** The category row the plan chose (read just before, like the web form's check): not read again. */
  category: CategoryRow;
  /**
   * The customer with the sender's address, looked up before the mail's transaction (null: none
   * yet). Inside it, as its first plain read, it would fix MariaDB's snapshot before a concurrent
   * first contact of the same address (web form, another mailbox) commits, and the new ticket's
   * own view would then miss that customer.
   */
  knownCustomer: CustomerRow | null;
  priorityKey: string | null;
  subject: string;
};

export type Delivery = {
  thread: Thread;
  plan: NewTicketPlan;
  body: string;
  files: CheckedFile[];
  emailMessageId: string | null;
  /** The mail's Cc, candidates to follow a new ticket (followersFromCc decides, by the settings). */
  cc: readonly string[];
  settings: Settings;
};

/**
 * Stores a mail as a new ticket or a customer's reply, in ONE transaction with its inbound
 * record: `record(trx)` writes (or claims) that record first, so a second import of the same mail
 * waits on the unique dedupe key and then fails there, and a crash leaves neither half. The
 * ticket service's own notifications, assignment and events run inside it, as for a web ticket.
 */
export async function deliverMail(
  deps: TicketDeps,
  delivery: Delivery,
  record: (trx: Knex.Transaction) => Promise<number>,
  recorded: (
    trx: Knex.Transaction,
    inboundId: number,
    outcome: { ticketId: number; messageId: number; reason: string | null },
  ) => Promise<void>,
): Promise<{ inboundId: number; ticket: TicketView; messageId: number; replied: boolean }> {
  return withTransaction(deps.db, async (trx) => {
    const inboundId = await record(trx);
    const inner: TicketDeps = { ...deps, db: trx };
    const { thread } = delivery;
    let ticket: TicketView;
    let messageId: number;
    if (thread.kind === 'reply') {
      ticket = thread.ticket;
      // A follower's mail shows their address as its author; the message stays on the customer's side.
      messageId = (
        await addCustomerReply(inner, ticket, {
          body: delivery.body,
          files: delivery.files,
          ip: null,
          emailMessageId: delivery.emailMessageId,
          ...(thread.follower ? { authorName: thread.follower } : {}),
        })
      ).messageId;
    } else {
      const { category, knownCustomer, ...plan } = delivery.plan;
      const made = await createTicket(inner, {
        ...plan,
        checked: { category, customer: knownCustomer },
        body: delivery.body,
        fieldValues: [],
        files: delivery.files,
        source: 'email',
        ip: null,
        submissionKey: null,
        emailMessageId: delivery.emailMessageId,
      });
      ticket = made.ticket;
      messageId = made.created ? made.messageId : (await firstMessageIdOf(trx, ticket.id))!;
      await followersFromCc(trx, delivery.settings, ticket, delivery.cc, deps.clock.now());
    }
    if (thread.kind === 'forged') {
      // Staff see on the new ticket why the mail did not join the one it named.
      await insertTicketEvent(
        trx,
        ticket.id,
        'mail.forged_reference',
        { type: 'system', id: null },
        { other: thread.referenced.trackingId, via: thread.via },
        deps.clock.now(),
      );
    }
    await recorded(trx, inboundId, {
      ticketId: ticket.id,
      messageId,
      reason: thread.kind === 'forged' ? 'forged_reference' : null,
    });
    return { inboundId, ticket, messageId, replied: thread.kind === 'reply' };
  });
}
