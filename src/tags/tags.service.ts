import { withTransaction } from '../db/transaction';
import { ValidationError } from '../errors';
import { refuseMerged } from '../tickets/merged-ticket';
import { requireCapability, type CapableStaff } from '../tickets/staff-actions.service';
import type { TicketDeps } from '../tickets/tickets.service';
import { findTicketById, type TicketView } from '../tickets/tickets.repo';
import { attachTag, countTagsOfTicket, detachTag, ensureTag, findTagByName } from './tags.repo';

export const maxTagLength = 40;
export const maxTagsPerChange = 10;
/** A ticket's tags stay a short list: the list page shows them on every row. */
export const maxTagsPerTicket = 30;

/**
 * A tag as stored: trimmed, inner whitespace as single spaces, lower case, no control
 * characters or commas (commas separate tags in the input). Empty or too long: null.
 */
export function normaliseTag(input: string): string | null {
  const name = input
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf},]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return name && [...name].length <= maxTagLength ? name : null;
}

/** "vip, printer,  Billing" → the tags typed, each normalised once; a bad one refuses the lot. */
export function parseTagList(input: string): string[] {
  const parts = input
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new ValidationError('Type a tag.', { tags: 'tags.errorEmpty' });
  if (parts.length > maxTagsPerChange)
    throw new ValidationError('Too many tags at once.', { tags: 'tags.errorTooMany' });
  const names = parts.map(normaliseTag);
  if (names.some((n) => n === null)) throw new ValidationError('A tag is too long.', { tags: 'tags.errorTooLong' });
  return [...new Set(names as string[])];
}

/** Puts tags on a ticket: each new one is an event row, all in one transaction. */
export async function addTags(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  names: string[],
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  refuseMerged(ticket);
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    let count = await countTagsOfTicket(trx, ticket.id);
    for (const name of names) {
      const tagId = await ensureTag(trx, name, now);
      if (!(await attachTag(trx, ticket.id, tagId, now))) continue;
      if (++count > maxTagsPerTicket)
        throw new ValidationError('The ticket has as many tags as it may.', { tags: 'tags.errorTicketFull' });
      await deps.events.publish(
        trx,
        {
          type: 'ticket.tag_added',
          ticket: (await findTicketById(trx, ticket.id))!,
          tag: name,
          actor: { type: 'staff', id: staff.id },
        },
        now,
      );
    }
  });
}

/** Takes a tag off a ticket, with its event row; a tag not on it is a no-op. */
export async function removeTag(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  name: string,
): Promise<void> {
  requireCapability(staff, 'tickets.reply');
  refuseMerged(ticket);
  const tag = await findTagByName(deps.db, name);
  if (!tag) return;
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    if (!(await detachTag(trx, ticket.id, tag.id))) return;
    await deps.events.publish(
      trx,
      {
        type: 'ticket.tag_removed',
        ticket: (await findTicketById(trx, ticket.id))!,
        tag: tag.name,
        actor: { type: 'staff', id: staff.id },
      },
      now,
    );
  });
}
