import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { lockedForUpdate } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import type { Settings } from '../settings/settings.schema';
import { mailboxAddresses } from '../mailboxes/mailboxes.repo';
import { ownAddresses } from '../mail-intake/refusals';
import { requireCapability, workableTicketForStaff, type CapableStaff } from '../tickets/staff-actions.service';
import type { TicketView } from '../tickets/tickets.repo';
import { countFollowers, deleteFollower, followersPerTicket, insertFollowers } from './followers.repo';

/**
 * Followers of a ticket (issue 11): addresses beside the customer's whose mail threaded to the
 * ticket lands on it and who get a copy (Cc) of staff replies. Added from the Cc of a new
 * ticket's mail (setting `mail.ccFollowers`) or by staff on the ticket page.
 */

/** Addresses a ticket never follows with: the help desk's own (a loop) and the ticket's customer (mailed already). */
async function excludedAddresses(
  db: Knex,
  settings: Settings,
  ticket: Pick<TicketView, 'customerEmail'>,
): Promise<Set<string>> {
  return new Set([...ownAddresses(settings), ...(await mailboxAddresses(db)), ticket.customerEmail.toLowerCase()]);
}

/** Locks the ticket row for the count-then-insert of followers: two adds at once cannot pass the cap together. */
async function lockTicket(trx: Knex, ticketId: number): Promise<void> {
  await lockedForUpdate(trx, trx('tickets').where({ id: ticketId }).select('id'));
}

/**
 * The Cc addresses of a new ticket's mail as its followers, in the ticket's transaction: only
 * while the setting is on, never our own addresses nor the customer, at most the cap (a Cc of
 * 10,000 looks at its first few dozen addresses only).
 */
export async function followersFromCc(
  trx: Knex,
  settings: Settings,
  ticket: Pick<TicketView, 'id' | 'customerEmail'>,
  cc: readonly string[],
  now: number,
): Promise<string[]> {
  if (!settings['mail.ccFollowers'] || !cc.length) return [];
  const excluded = await excludedAddresses(trx, settings, ticket);
  const wanted: string[] = [];
  for (const address of cc.slice(0, followersPerTicket * 5)) {
    if (wanted.length >= followersPerTicket) break;
    if (address.length <= 191 && !excluded.has(address) && !wanted.includes(address)) wanted.push(address);
  }
  return insertFollowers(trx, ticket.id, wanted, null, now);
}

export type FollowerDeps = { db: Db; clock: Clock; settings: { all(db?: Knex): Promise<Settings> } };

const addInput = z.object({ email: z.string().trim().toLowerCase().max(191).pipe(z.email()) });

/** Why an address cannot follow, as a locale key of the followers box. */
export type FollowerProblem =
  | 'followers.errors.email'
  | 'followers.errors.excluded'
  | 'followers.errors.full'
  | 'followers.errors.already';

export class FollowerError extends ValidationError {
  constructor(readonly problem: FollowerProblem) {
    super('The address cannot follow this ticket', { email: problem });
  }
}

/** Staff add an address as a follower (they must be able to reply to the ticket); audited. */
export async function addFollower(
  deps: FollowerDeps,
  staff: CapableStaff & { ip?: string },
  ticketId: number,
  input: unknown,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  const ticket = await workableTicketForStaff(deps.db, staff, ticketId);
  const parsed = addInput.safeParse(input);
  if (!parsed.success) throw new FollowerError('followers.errors.email');
  const email = parsed.data.email;
  const settings = await deps.settings.all();
  if ((await excludedAddresses(deps.db, settings, ticket)).has(email))
    throw new FollowerError('followers.errors.excluded');
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await lockTicket(trx, ticket.id);
    if ((await countFollowers(trx, ticket.id)) >= followersPerTicket) throw new FollowerError('followers.errors.full');
    if (!(await insertFollowers(trx, ticket.id, [email], staff.id, now)).length)
      throw new FollowerError('followers.errors.already');
    await recordAudit(
      trx,
      {
        actor: staff,
        action: 'ticket_follower_added',
        target: { type: 'ticket', id: ticket.id },
        details: { email },
        ip: staff.ip,
      },
      now,
    );
  });
}

/** Staff remove a follower of a ticket they may reply to; another ticket's follower id is "not found". Audited. */
export async function removeFollower(
  deps: FollowerDeps,
  staff: CapableStaff & { ip?: string },
  ticketId: number,
  followerId: number,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  const ticket = await workableTicketForStaff(deps.db, staff, ticketId);
  if (!Number.isSafeInteger(followerId) || followerId <= 0) throw new NotFoundError();
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const email = await deleteFollower(trx, ticket.id, followerId);
    if (email === null) throw new NotFoundError();
    await recordAudit(
      trx,
      {
        actor: staff,
        action: 'ticket_follower_removed',
        target: { type: 'ticket', id: ticket.id },
        details: { email },
        ip: staff.ip,
      },
      now,
    );
  });
}
