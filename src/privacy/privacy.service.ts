import crypto from 'node:crypto';
import type { AttachmentStore } from '../attachments/attachment-store';
import { releaseFiles } from '../attachments/stored-files';
import { listTicketAttachments } from '../attachments/attachments.repo';
import { recordAudit } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db, Trx } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { deleteFollowersByEmail, deleteFollowersOfTickets } from '../followers/followers.repo';
import { forgetInboundMails } from '../mail-intake/inbound.repo';
import { dropRaw } from '../mail-intake/raw-store';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import { listCustomerMessages } from '../tickets/messages.repo';
import { deleteTicketRows, findTicketById, listTicketsOfCustomer, type TicketView } from '../tickets/tickets.repo';
import {
  customerFieldValues,
  customerFilesOn,
  deleteCustomerRow,
  deleteMailsTo,
  findCustomerById,
  findCustomersByEmailPrefix,
  foreignTicketsWithMessagesOf,
  insertAnonymousCustomer,
  moveTicketToCustomer,
  ownTicketsMergedInto,
  renameCustomer,
  scrubCustomerMessagesOn,
  scrubTicketContent,
  ticketIdsOfCustomer,
  type CustomerSummary,
} from './privacy.repo';

export type PrivacyDeps = { db: Db; clock: Clock; store: AttachmentStore };
export type PrivacyActor = { id: number; name: string; ip: string };

// Stored as data (not shown through the translations): the same words in every export and report.
const scrubbed = {
  subject: 'Anonymized ticket',
  body: '[Removed when the customer’s personal data was anonymized]',
  author: 'Anonymized customer',
};
const anonymousIdentity = () => ({
  email: `anonymized-${crypto.randomBytes(8).toString('hex')}@anonymized.invalid`,
  name: scrubbed.author,
});

/** Customers found by the start of their e-mail address (at least two characters). */
export async function searchCustomers(db: Db, query: string): Promise<CustomerSummary[]> {
  const q = query.trim();
  if (q.length < 2 || q.length > 191) return [];
  return findCustomersByEmailPrefix(db, q, 50);
}

export async function customerOverview(
  db: Db,
  customerId: number,
): Promise<{ customer: CustomerSummary; tickets: TicketView[] }> {
  const customer = Number.isSafeInteger(customerId) ? await findCustomerById(db, customerId) : undefined;
  if (!customer) throw new NotFoundError();
  return { customer, tickets: await listTicketsOfCustomer(db, customerId, { openOnly: false, limit: 500 }) };
}

/**
 * Everything the help desk holds about a customer, as they would see it: their details, their
 * tickets with the conversation (internal notes are staff working papers, not included), the
 * values they entered and the names of their files.
 */
export async function exportCustomer(
  deps: Pick<PrivacyDeps, 'db' | 'clock'>,
  actor: PrivacyActor,
  customerId: number,
): Promise<Record<string, unknown>> {
  const { db } = deps;
  const { customer } = await customerOverview(db, customerId);
  const tickets = [];
  for (const id of await ticketIdsOfCustomer(db, customerId)) {
    const t = (await findTicketById(db, id))!;
    const files = await listTicketAttachments(db, id);
    const messages = await listCustomerMessages(db, id);
    tickets.push({
      trackingId: t.trackingId,
      subject: t.subject,
      category: t.categoryName,
      status: t.statusName,
      createdAt: new Date(t.createdAt).toISOString(),
      updatedAt: new Date(t.updatedAt).toISOString(),
      fields: await customerFieldValues(db, id),
      messages: messages.map((m) => ({
        from: m.kind,
        author: m.authorName,
        body: m.body,
        createdAt: new Date(m.createdAt).toISOString(),
        attachments: files
          .filter((f) => f.messageId === m.id)
          .map((f) => ({ fileName: f.fileName, contentType: f.contentType, size: f.size })),
      })),
    });
  }
  const now = deps.clock.now();
  // Handing out someone's data is recorded like changing it.
  await recordAudit(
    db,
    { actor, action: 'customer.exported', target: { type: 'customer', id: customerId }, ip: actor.ip },
    now,
  );
  return {
    exportedAt: new Date(now).toISOString(),
    customer: {
      email: customer.email,
      name: customer.name,
      language: customer.language,
      createdAt: new Date(customer.createdAt).toISOString(),
    },
    tickets,
  };
}

/** Scrubs one ticket inside a transaction and returns the stored files to remove after commit. */
async function scrubTicket(trx: Trx, ticketId: number, actor: PrivacyActor, now: number): Promise<string[]> {
  const keys = (await listTicketAttachments(trx, ticketId)).map((f) => f.storageKey);
  await scrubTicketContent(trx, ticketId, scrubbed);
  await insertTicketEvent(trx, ticketId, 'privacy.anonymized', { type: 'staff', id: actor.id }, {}, now);
  return keys;
}

/** Scrubs what the customer wrote on other customers' tickets (merged there); returns their files. */
async function scrubMessagesElsewhere(trx: Trx, customerId: number): Promise<string[]> {
  const files: string[] = [];
  for (const ticketId of await foreignTicketsWithMessagesOf(trx, customerId)) {
    files.push(...(await customerFilesOn(trx, ticketId, customerId)));
    await scrubCustomerMessagesOn(trx, ticketId, customerId, scrubbed);
  }
  return files;
}

/**
 * After commit: each file goes unless another ticket attached the same content (src/attachments/stored-files.ts);
 * the raw copies of the person's e-mails (src/mail-intake) go as well.
 */
async function removeFiles(deps: PrivacyDeps, keys: string[], rawMailKeys: string[] = []): Promise<void> {
  await releaseFiles(deps, keys);
  for (const key of rawMailKeys) await dropRaw(deps.store, key);
}

/**
 * Removes the customer's name, e-mail address, IP addresses, texts and files; their tickets stay
 * (with dates, category and status) for statistics.
 */
export async function anonymizeCustomer(deps: PrivacyDeps, actor: PrivacyActor, customerId: number): Promise<void> {
  const { customer } = await customerOverview(deps.db, customerId);
  if (customer.email.endsWith('@anonymized.invalid'))
    throw new ValidationError('This customer is anonymized already.', { form: 'privacy.errors.alreadyAnonymized' });
  const now = deps.clock.now();
  const keys = await withTransaction(deps.db, async (trx) => {
    const files: string[] = [];
    for (const id of await ticketIdsOfCustomer(trx, customerId))
      files.push(...(await scrubTicket(trx, id, actor, now)));
    files.push(...(await scrubMessagesElsewhere(trx, customerId)));
    await deleteMailsTo(trx, customer.email);
    await deleteFollowersOfTickets(trx, await ticketIdsOfCustomer(trx, customerId));
    await deleteFollowersByEmail(trx, customer.email);
    const rawMails = await forgetInboundMails(trx, { fromAddress: customer.email });
    await renameCustomer(trx, customerId, anonymousIdentity(), now);
    await recordAudit(
      trx,
      { actor, action: 'customer.anonymized', target: { type: 'customer', id: customerId }, ip: actor.ip },
      now,
    );
    return { files, rawMails };
  });
  await removeFiles(deps, keys.files, keys.rawMails);
}

/**
 * Anonymizes one ticket of the customer: it moves to a new anonymous customer, so nothing links
 * it to the person. A ticket of someone else is "not found".
 */
export async function anonymizeTicket(
  deps: PrivacyDeps,
  actor: PrivacyActor,
  customerId: number,
  ticketId: number,
): Promise<void> {
  const ticket = Number.isSafeInteger(ticketId) ? await findTicketById(deps.db, ticketId) : undefined;
  if (!ticket || ticket.customerId !== customerId) throw new NotFoundError();
  const now = deps.clock.now();
  const keys = await withTransaction(deps.db, async (trx) => {
    // Their tickets merged into this one still carry subjects and the link to the person.
    const ids = [ticket.id, ...(await ownTicketsMergedInto(trx, ticket.id, customerId))];
    const files: string[] = [];
    const rawMails = await forgetInboundMails(trx, { ticketIds: ids });
    await deleteFollowersOfTickets(trx, ids);
    for (const id of ids) files.push(...(await scrubTicket(trx, id, actor, now)));
    const anonymous = await insertAnonymousCustomer(trx, { ...anonymousIdentity(), language: ticket.language }, now);
    for (const id of ids) await moveTicketToCustomer(trx, id, anonymous);
    await recordAudit(
      trx,
      { actor, action: 'ticket.anonymized', target: { type: 'ticket', id: ticket.trackingId }, ip: actor.ip },
      now,
    );
    return { files, rawMails };
  });
  await removeFiles(deps, keys.files, keys.rawMails);
}

/** Deletes the customer and every ticket of theirs, with files; only the audit entry remains. */
export async function deleteCustomer(deps: PrivacyDeps, actor: PrivacyActor, customerId: number): Promise<void> {
  const { customer } = await customerOverview(deps.db, customerId);
  const now = deps.clock.now();
  const keys = await withTransaction(deps.db, async (trx) => {
    // Their messages merged into someone else's ticket stay there as placeholders (that thread goes on).
    const files = await scrubMessagesElsewhere(trx, customerId);
    const ticketIds = await ticketIdsOfCustomer(trx, customerId);
    const rawMails = await forgetInboundMails(trx, { fromAddress: customer.email });
    await deleteFollowersByEmail(trx, customer.email); // their own tickets' followers go with the tickets (cascade)
    for (const id of ticketIds) {
      files.push(...(await listTicketAttachments(trx, id)).map((f) => f.storageKey));
      await deleteTicketRows(trx, id);
    }
    await deleteCustomerRow(trx, customerId);
    await recordAudit(
      trx,
      {
        actor,
        action: 'customer.deleted',
        target: { type: 'customer', id: customerId },
        details: { tickets: ticketIds.length },
        ip: actor.ip,
      },
      now,
    );
    return { files, rawMails };
  });
  await removeFiles(deps, keys.files, keys.rawMails);
}
