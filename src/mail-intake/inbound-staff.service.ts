import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { NotFoundError, ValidationError } from '../errors';
import { ticketForStaff, type StaffActor } from '../tickets/staff-actions.service';
import type { TicketView } from '../tickets/tickets.repo';
import { findInboundMail, type InboundMailRow } from './inbound.repo';
import { listInboundPage, originalOfMessage, type InboundCursor } from './inbound-staff.repo';
import { discardInboundMail, retryInboundMail, type ImportResult, type IntakeDeps } from './intake.service';
import { originalView, type OriginalMail } from './original-view';
import { readRaw } from './raw-store';

/**
 * What staff do with received mail that did not become a ticket (the failed-mail list at
 * /admin/mail/inbound, administrators only), and the original of a message that did (on the
 * ticket page, for whoever sees the ticket).
 */

export const inboundPageSize = 50;
/** The lists staff can open: kept aside (can be retried) and refused (loops, junk, bans: to check the rules). */
export const inboundListStates = ['failed', 'refused'] as const;

const listQuery = z.object({
  status: z.enum(inboundListStates).default('failed'),
  before: z
    .string()
    .regex(/^\d{1,15}\.\d{1,12}$/)
    .optional(),
});

const encodeCursor = (c: InboundCursor) => `${c.receivedAt}.${c.id}`;
function decodeCursor(value: string | undefined): InboundCursor | null {
  if (!value) return null;
  const [receivedAt, id] = value.split('.').map(Number);
  return { receivedAt: receivedAt!, id: id! };
}

/** One page of the list; a query that is not one of ours (an array, a made-up state) is a 400. */
export async function inboundMailPage(db: Db, rawQuery: unknown) {
  const parsed = listQuery.safeParse(rawQuery);
  if (!parsed.success) throw new ValidationError('Invalid list query');
  const { status, before } = parsed.data;
  const page = await listInboundPage(db, status, decodeCursor(before), inboundPageSize);
  return { status, rows: page.rows, next: page.next ? encodeCursor(page.next) : null, isFirstPage: !before };
}

/** A received mail that is not a ticket's message: failed or refused (imported ones are shown on their ticket). */
async function listedMail(db: Db, id: number): Promise<InboundMailRow> {
  const row = Number.isSafeInteger(id) ? await findInboundMail(db, id) : undefined;
  if (!row || !(inboundListStates as readonly string[]).includes(row.status)) throw new NotFoundError();
  return row;
}

/** One listed mail with its parsed original when the raw bytes are kept; a mail that cannot be parsed still shows its record. */
export async function inboundMailDetail(
  deps: Pick<IntakeDeps, 'db' | 'store'>,
  id: number,
  opts: { remoteImages: boolean; imageWord?: string },
): Promise<{ row: InboundMailRow; original: OriginalMail | null }> {
  const row = await listedMail(deps.db, id);
  if (!row.raw_key) return { row, original: null };
  const raw = await readRaw(deps.store, row.raw_key);
  return { row, original: await originalView(raw, opts).catch(() => null) };
}

/** The raw .eml of a listed mail, for download. */
export async function inboundMailRaw(
  deps: Pick<IntakeDeps, 'db' | 'store'>,
  id: number,
): Promise<{ row: InboundMailRow; raw: Buffer }> {
  const row = await listedMail(deps.db, id);
  if (!row.raw_key) throw new NotFoundError();
  return { row, raw: await readRaw(deps.store, row.raw_key) };
}

export type StaffAuditActor = { id: number; name: string; ip: string };

/** "Retry": the kept-aside mail goes through the import again; the audit log says who did it and what came of it. */
export async function retryFailedInbound(deps: IntakeDeps, actor: StaffAuditActor, id: number): Promise<ImportResult> {
  const row = await listedMail(deps.db, id);
  if (row.status !== 'failed') throw new NotFoundError();
  const result = await retryInboundMail(deps, row.id);
  await recordAudit(
    deps.db,
    {
      actor,
      action: 'mail.inbound_retried',
      target: { type: 'inbound_mail', id: row.id },
      details: { from: row.from_address, outcome: result.outcome, ticketId: result.ticketId },
      ip: actor.ip,
    },
    deps.clock.now(),
  );
  return result;
}

/** "Discard": the mail is not wanted; its raw bytes go, its record stays, and the audit log keeps who decided. */
export async function discardFailedInbound(deps: IntakeDeps, actor: StaffAuditActor, id: number): Promise<void> {
  const row = await listedMail(deps.db, id);
  if (row.status !== 'failed') throw new NotFoundError();
  await discardInboundMail(deps, row.id, actor.id);
  await recordAudit(
    deps.db,
    {
      actor,
      action: 'mail.inbound_discarded',
      target: { type: 'inbound_mail', id: row.id },
      details: { from: row.from_address, subject: row.subject },
      ip: actor.ip,
    },
    deps.clock.now(),
  );
}

/**
 * The original e-mail of a ticket's message: the ticket as its page loads it (unknown and
 * forbidden are both not found), then the message's kept raw mail, only if that message is on
 * this ticket.
 */
export async function messageOriginal(
  deps: Pick<IntakeDeps, 'db' | 'store'>,
  staff: StaffActor,
  ticketId: number,
  messageId: number,
  opts: { remoteImages: boolean; imageWord?: string },
): Promise<{ ticket: TicketView; original: OriginalMail; raw: Buffer }> {
  const ticket = await ticketForStaff(deps.db, staff, ticketId);
  const kept = Number.isSafeInteger(messageId) ? await originalOfMessage(deps.db, ticket.id, messageId) : undefined;
  if (!kept) throw new NotFoundError();
  const raw = await readRaw(deps.store, kept.rawKey);
  return { ticket, original: await originalView(raw, opts), raw };
}
