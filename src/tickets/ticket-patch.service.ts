import { withTransaction } from '../db/transaction';
import { setDueDate } from './ticket-extras.service';
import { assign, moveToCategory, setPriority, setStatus, type CapableStaff } from './staff-actions.service';
import type { TicketDeps } from './tickets.service';
import { findTicketById, type TicketView } from './tickets.repo';

export type TicketPatch = {
  status?: string;
  priority?: string;
  ownerId?: number | null;
  due?: string | null;
  categoryId?: number;
};

/**
 * Several changes to one ticket at once (the API's PATCH), all or nothing: a refused value
 * leaves the ticket as it was, though each applied change keeps its own event, as on the page.
 * The category goes last: it may take the ticket out of this person's reach. `tz` is the help
 * desk's time zone, read beforehand (nothing outside the transaction may be awaited inside it).
 */
export async function patchTicket(
  deps: TicketDeps,
  ticket: TicketView,
  staff: CapableStaff,
  patch: TicketPatch,
  tz: string,
): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const inside: TicketDeps = { ...deps, db: trx };
    const fresh = async () => (await findTicketById(trx, ticket.id))!;
    if (patch.status !== undefined) await setStatus(inside, await fresh(), staff, patch.status);
    if (patch.priority !== undefined) await setPriority(inside, await fresh(), staff, patch.priority);
    if (patch.ownerId !== undefined) await assign(inside, await fresh(), staff, patch.ownerId);
    if (patch.due !== undefined) await setDueDate(inside, await fresh(), staff, { due: patch.due ?? '' }, tz);
    if (patch.categoryId !== undefined) await moveToCategory(inside, await fresh(), staff, patch.categoryId);
  });
}
