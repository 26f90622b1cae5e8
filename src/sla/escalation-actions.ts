import type { Knex } from 'knex';
import type { Trx } from '../db/db';
import { findActiveCategory } from '../categories/categories.repo';
import type { QueueMailDeps } from '../mail/mail.service';
import type { Clock } from '../clock';
import type { TicketEvents } from '../tickets/ticket-events';
import { mayOwnIn } from '../tickets/staff-actions.service';
import { findTicketById, updateTicket, type TicketView } from '../tickets/tickets.repo';
import type { ActionContext } from './escalation-context';
import type { EscalationLevel } from './escalation-plan';
import { higherPriority, type EscalationClock, type StaffContact } from './escalations.repo';

export type EscalationDeps = QueueMailDeps & { db: Knex; clock: Clock; events: TicketEvents };

const system = { type: 'system' as const, id: null };

/** What the action did, kept on the ticket's `sla.escalated` event. */
export type ActionOutcome =
  | { done: true; detail?: string | number; staffIds?: number[] }
  | { done: false; why: string };

async function warn(
  ctx: ActionContext,
  ticket: TicketView,
  clock: EscalationClock,
  level: EscalationLevel,
  people: StaffContact[],
): Promise<ActionOutcome> {
  if (people.length === 0) return { done: false, why: 'nobody' };
  const vars = {
    ticket: { id: ticket.id, trackingId: ticket.trackingId, subject: ticket.subject },
    kind: clock.kind,
    atPercent: level.atPercent,
    dueAt: clock.dueAt ?? 0,
  };
  for (const person of people) {
    await ctx.mail({
      template: 'staff_sla_warning',
      vars,
      to: { address: person.email, name: person.name },
      language: person.language,
      automatic: true,
      ticketId: ticket.id,
    });
  }
  // Who was told, so the history names them (the count alone did not say whether the right person was warned).
  return { done: true, detail: people.length, staffIds: people.map((p) => p.id) };
}

/**
 * One level's action on one ticket, inside the job's transaction: a change of the ticket goes
 * through its events like a staff member's would (history, notifications, clocks), with the
 * system as the actor; an action that cannot apply (no owner, no higher priority, no next tier,
 * a person who may no longer work the category) is recorded as skipped, never retried.
 * Reads of the ticket and staff, mails and history lines go through `ctx` (one by one, or a batch's).
 */
export async function applyEscalation(
  deps: EscalationDeps,
  trx: Trx,
  ctx: ActionContext,
  clock: EscalationClock,
  level: EscalationLevel,
  now: number,
): Promise<ActionOutcome> {
  const ticket = await ctx.ticket(clock.ticketId);
  switch (level.action) {
    case 'notify_owner': {
      const owner = ticket.ownerId === null ? undefined : await ctx.staff(ticket.ownerId);
      return warn(ctx, ticket, clock, level, owner ? [owner] : []);
    }
    case 'notify_category':
      return warn(ctx, ticket, clock, level, await ctx.categoryPeople(ticket.categoryId));
    case 'notify_staff': {
      const person = level.staffId === null ? undefined : await ctx.staff(level.staffId);
      return warn(ctx, ticket, clock, level, person ? [person] : []);
    }
    case 'raise_priority': {
      const higher = await higherPriority(trx, ticket.priorityKey);
      if (!higher) return { done: false, why: 'highest' };
      await ctx.raise(ticket, higher);
      return { done: true, detail: higher.key };
    }
    case 'reassign': {
      if (level.staffId === null || level.staffId === ticket.ownerId) return { done: false, why: 'owner' };
      if (!(await mayOwnIn({ ...deps, db: trx, store: undefined as never }, level.staffId, ticket.categoryId)))
        return { done: false, why: 'noAccess' };
      await ctx.changing(ticket.id);
      await updateTicket(trx, ticket.id, { owner_id: level.staffId, updated_at: now });
      await deps.events.publish(
        trx,
        {
          type: 'ticket.assigned',
          ticket: (await findTicketById(trx, ticket.id))!,
          from: ticket.ownerId,
          to: level.staffId,
          actor: system,
          reason: 'SLA',
        },
        now,
      );
      return { done: true, detail: level.staffId };
    }
    case 'next_tier': {
      const from = await findActiveCategory(trx, ticket.categoryId);
      const to = from?.escalate_to_id ? await findActiveCategory(trx, Number(from.escalate_to_id)) : undefined;
      if (!from || !to) return { done: false, why: 'noTier' };
      await ctx.changing(ticket.id);
      await updateTicket(trx, ticket.id, {
        category_id: to.id,
        tier: Number(to.tier),
        owner_id: null,
        updated_at: now,
      });
      const view = (await findTicketById(trx, ticket.id))!;
      const reason = `SLA: ${clock.kind} ${level.atPercent} %`;
      await deps.events.publish(
        trx,
        {
          type: 'ticket.escalated',
          ticket: view,
          from: Number(from.id),
          to: Number(to.id),
          fromName: from.name,
          reason,
          staffName: 'SLA',
          actor: system,
        },
        now,
      );
      if (ticket.ownerId !== null)
        await deps.events.publish(
          trx,
          { type: 'ticket.assigned', ticket: view, from: ticket.ownerId, to: null, actor: system },
          now,
        );
      return { done: true, detail: Number(to.id) };
    }
  }
}

/** The history line of a level that fired, whatever its action did. */
export async function recordEscalationEvent(
  ctx: ActionContext,
  clock: EscalationClock,
  level: EscalationLevel,
  outcome: ActionOutcome,
): Promise<void> {
  await ctx.event({
    ticketId: clock.ticketId,
    type: 'sla.escalated',
    actor: system,
    data: { kind: clock.kind, percent: level.atPercent, action: level.action, ...outcome },
  });
}
