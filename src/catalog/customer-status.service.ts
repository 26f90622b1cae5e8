import type { Db } from '../db/db';
import type { CatalogService } from './catalog.service';
import { withTransaction } from '../db/transaction';
import { ValidationError } from '../errors';
import type { TicketEvents } from '../tickets/ticket-events';
import { findTicketById, updateTicket, type TicketView } from '../tickets/tickets.repo';
import { listCustomerSettableStatuses } from './ticket-states.repo';

type Deps = { db: Db; clock: { now(): number }; events: TicketEvents };

/**
 * The statuses a customer may pick on their ticket page besides "resolved", which has its own
 * button and setting: those an admin marked "customers may set", other than the current one.
 * Shown from the catalog's cache (as current as the names beside them); choosing one reads the
 * table (setCustomerChosenStatus), so a status no longer settable is refused.
 */
export async function customerStatusChoices(
  catalog: Pick<CatalogService, 'customerSettableStatuses'>,
  ticket: TicketView,
): Promise<Array<{ key: string; name: string }>> {
  return (await catalog.customerSettableStatuses())
    .filter((s) => s.key !== 'resolved' && s.key !== ticket.statusKey)
    .map((s) => ({ key: s.key, name: s.name }));
}

/** Sets a status the customer may choose; anything else is refused. A change is an event. */
export async function setCustomerChosenStatus(deps: Deps, ticket: TicketView, key: unknown): Promise<void> {
  const choice =
    typeof key === 'string'
      ? (await listCustomerSettableStatuses(deps.db)).find((s) => s.key === key && s.key !== 'resolved')
      : undefined;
  if (!choice) throw new ValidationError('This status cannot be chosen.', { status: 'form.invalid' });
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    const current = (await findTicketById(trx, ticket.id))!;
    if (current.statusKey === choice.key) return;
    // Moving between two closed statuses keeps the resolution (and who made it); only closing an
    // open ticket is a new one, made by the customer (no survey for it).
    const resolution = choice.is_open
      ? { resolved_at: null, resolved_by: null, resolved_by_staff_id: null }
      : current.statusIsOpen
        ? { resolved_at: now, resolved_by: 'customer', resolved_by_staff_id: null }
        : {};
    await updateTicket(trx, ticket.id, { status_id: choice.id, updated_at: now, ...resolution });
    const view = (await findTicketById(trx, ticket.id))!;
    await deps.events.publish(
      trx,
      {
        type: 'ticket.status_changed',
        ticket: view,
        from: current.statusKey,
        to: choice.key,
        actor: { type: 'customer', id: ticket.customerId },
      },
      now,
    );
  });
}
