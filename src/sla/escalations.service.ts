import { withTransaction } from '../db/transaction';
import { applyEscalation, recordEscalationEvent, type EscalationDeps } from './escalation-actions';
import { directContext } from './escalation-context';
import { pendingLevels, splitDue } from './escalation-plan';
import { clockContext } from './escalation-schedule';
import { doneLevelIds, escalationClock, recordDoneMany } from './escalations.repo';
import { claimDueEscalation } from './escalation-due.repo';

/**
 * Fires the due levels of one clock, once: the schedule row is moved on only if it still holds
 * the time this run read (a second process finds it changed and does nothing), and each level is
 * recorded in sla_escalations_done (unique per ticket, clock, cycle and level) in the transaction
 * of its action, so an action and its record are stored together or not at all.
 * escalateDueClocks (escalation-batch.ts) does the same for many clocks in one transaction.
 */
export async function escalateDueClock(
  deps: EscalationDeps,
  due: { clockId: number; nextAt: number },
  now: number,
): Promise<number> {
  return withTransaction(deps.db, async (trx) => {
    const clock = await escalationClock(trx, due.clockId);
    if (!clock) {
      await claimDueEscalation(trx, due.clockId, due.nextAt, null);
      return 0;
    }
    const { levels, cal } = await clockContext(trx, clock);
    const plans = cal
      ? pendingLevels(cal, clock, levels, await doneLevelIds(trx, clock.ticketId, clock.kind, clock.startedAt))
      : [];
    const { due: firing, nextAt } = splitDue(plans, now);
    if (!(await claimDueEscalation(trx, clock.id, due.nextAt, nextAt))) return 0;
    // Records first: a change made by an action re-plans the ticket, and must find these levels done.
    await recordDoneMany(
      trx,
      firing.map(({ level }) => ({ clock, levelId: level.id })),
      now,
    );
    const ctx = directContext(trx, deps, now);
    for (const { level } of firing)
      await recordEscalationEvent(ctx, clock, level, await applyEscalation(deps, trx, ctx, clock, level, now));
    return firing.length;
  });
}
