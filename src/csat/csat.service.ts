import type { Db } from '../db/db';
import { isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { ConflictError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { insertTicketEvent } from '../tickets/ticket-events.repo';
import type { TicketView } from '../tickets/tickets.repo';
import { DAY, type Clock } from '../clock';
import { insertRating, ratingsOfTicket, satisfactionFigures, type Figure, type Rating } from './csat.repo';
import { ratingSchema } from './csat.schema';

export type SurveyState = { canRate: boolean; rated: { rating: number; comment: string | null } | null };

/**
 * A ticket resolved by staff or closed by the auto-close asks for one rating of that resolution;
 * an open one asks nothing, and neither does a resolution the customer made (reopening and
 * resolving, or picking another closed status, would otherwise open a new survey each time).
 */
export async function surveyStateOf(db: Db, ticket: TicketView): Promise<SurveyState> {
  if (ticket.statusIsOpen || ticket.resolvedAt === null || ticket.mergedIntoId !== null)
    return { canRate: false, rated: null };
  const current = (await ratingsOfTicket(db, ticket.id)).find((r) => r.resolvedAt === ticket.resolvedAt);
  const asks = ticket.resolvedBy === 'staff' || ticket.resolvedBy === 'auto';
  return { canRate: asks && !current, rated: current ? { rating: current.rating, comment: current.comment } : null };
}

/**
 * The customer's answer to the survey of the ticket's current resolution: once; a second answer
 * (another tab, the mail link again) is refused by the unique key, whoever came first. The rating
 * is credited to the staff member who made the resolution, not to whoever owns the ticket now.
 */
export async function rateResolution(
  deps: { db: Db; clock: Clock },
  ticket: TicketView,
  input: Record<string, unknown>,
): Promise<void> {
  const parsed = ratingSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The rating is not valid.', fieldErrors(parsed.error));
  const state = await surveyStateOf(deps.db, ticket);
  if (!state.canRate)
    throw new ConflictError(
      state.rated ? 'already_rated' : 'not_resolved',
      state.rated ? 'This resolution has been rated already.' : 'The ticket is not resolved.',
    );
  const now = deps.clock.now();
  try {
    await withTransaction(deps.db, async (trx) => {
      await insertRating(
        trx,
        {
          ticketId: ticket.id,
          resolvedAt: ticket.resolvedAt!,
          rating: parsed.data.rating,
          comment: parsed.data.comment || null,
          staffId: ticket.resolvedByStaffId,
          categoryId: ticket.categoryId,
        },
        now,
      );
      await insertTicketEvent(
        trx,
        ticket.id,
        'ticket.satisfaction_rated',
        { type: 'customer', id: ticket.customerId },
        { rating: parsed.data.rating },
        now,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('already_rated', 'This resolution has been rated already.');
    throw err;
  }
}

/** The ticket's ratings for its staff page, newest resolution first. */
export function ticketRatings(db: Db, ticketId: number): Promise<Rating[]> {
  return ratingsOfTicket(db, ticketId);
}

/** The survey's figures per staff member and per category over the last `days` days. */
export function satisfactionOverDays(
  deps: { db: Db; clock: Clock },
  days: number,
): Promise<{ byStaff: Figure[]; byCategory: Figure[] }> {
  return satisfactionFigures(deps.db, deps.clock.now() - days * DAY);
}
