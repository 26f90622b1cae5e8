import type { Knex } from 'knex';
import { keptUnderSavepoint, withTransaction } from '../db/transaction';
import { applyEscalation, recordEscalationEvent, type EscalationDeps } from './escalation-actions';
import { batchContext } from './escalation-context';
import { pendingLevels, splitDue, type EscalationLevel } from './escalation-plan';
import { planTicketsEscalations, sharedClockContext } from './escalation-schedule';
import { deferResyncs, takeDeferred } from './resync-deferral';
import { shareReads } from './batch-reads';
import { syncTicketsClocks } from './sla-clocks';
import {
  cycleKey,
  doneLevelsOfClocks,
  escalationClocks,
  recordDoneMany,
  type EscalationClock,
} from './escalations.repo';
import { claimDueEscalation, claimDueEscalations, type EscalationClaim } from './escalation-due.repo';

type Due = { clockId: number; nextAt: number };

/**
 * Claims the batch's clocks in two statements under a savepoint; when another run took any of
 * them first (fewer rows changed), the savepoint is rolled back and each is claimed on its own,
 * as one by one. The ids of the clocks this run took.
 */
async function claimAll(trx: Knex.Transaction, claims: readonly EscalationClaim[]): Promise<Set<number>> {
  if (claims.length === 0) return new Set();
  const all = await keptUnderSavepoint(trx, async (sp) => (await claimDueEscalations(sp, claims)) === claims.length);
  if (all) return new Set(claims.map((c) => c.clockId));
  const taken = new Set<number>();
  for (const c of claims) if (await claimDueEscalation(trx, c.clockId, c.seenNextAt, c.nextAt)) taken.add(c.clockId);
  return taken;
}

/**
 * Fires the due levels of many clocks in one transaction, with the same once-rules as
 * escalateDueClock: each clock's schedule row is claimed by a conditional write on the time the
 * run read (a clock another process took is passed over), and every level is recorded in
 * sla_escalations_done before any action runs. The clocks, their tickets, the levels done, the
 * policies, calendars and staff are read in a few set queries; warning mails and history lines
 * are stored by multi-row inserts, priority raises by one UPDATE per new priority (escalation-context.ts);
 * the tickets the actions changed are re-synced (clocks, schedule)
 * together at the end by set reads, each before its own next change. Anything that throws rolls the whole batch back: the caller
 * then goes clock by clock, so one bad ticket does not hold up the others. A second clock of a
 * ticket already in the batch is returned in `left`, for the caller to step after the batch.
 */
export async function escalateDueClocks(
  deps: EscalationDeps,
  dues: readonly Due[],
  now: number,
): Promise<{ done: number; left: Due[] }> {
  return withTransaction(deps.db, async (trx) => {
    deferResyncs(trx);
    shareReads(trx);
    const resync = async (ticketId?: number) => {
      const ids = takeDeferred(trx, ticketId);
      if (ids.length === 0) return false;
      await syncTicketsClocks(trx, ids, now);
      await planTicketsEscalations(trx, ids);
      return true;
    };
    const left: Due[] = [];
    const tickets = new Set<number>();
    const clocks = await escalationClocks(
      trx,
      dues.map((d) => d.clockId),
    );
    const done = await doneLevelsOfClocks(trx, [...clocks.values()]);
    const contextOf = sharedClockContext(trx);
    const planned: Array<{ clock: EscalationClock; levels: EscalationLevel[] }> = [];
    const claims: EscalationClaim[] = [];
    for (const due of dues) {
      const clock = clocks.get(due.clockId);
      if (!clock) {
        await claimDueEscalation(trx, due.clockId, due.nextAt, null);
        continue;
      }
      // A ticket's second clock is read after its first one's actions, as one by one: left to the caller.
      if (tickets.has(clock.ticketId)) {
        left.push(due);
        continue;
      }
      tickets.add(clock.ticketId);
      const { levels, cal } = await contextOf(clock);
      const plans = cal ? pendingLevels(cal, clock, levels, done.get(cycleKey(clock))!) : [];
      const split = splitDue(plans, now);
      claims.push({ clockId: clock.id, seenNextAt: due.nextAt, nextAt: split.nextAt });
      if (split.due.length > 0) planned.push({ clock, levels: split.due.map((p) => p.level) });
    }
    const taken = await claimAll(trx, claims);
    const firing = planned.filter((f) => taken.has(f.clock.id));
    // Records first: a change made by an action re-plans the ticket, and must find these levels done.
    await recordDoneMany(
      trx,
      firing.flatMap(({ clock, levels }) => levels.map((l) => ({ clock, levelId: l.id }))),
      now,
    );
    const ctx = await batchContext(
      trx,
      deps,
      now,
      firing.map((f) => f.clock.ticketId),
      firing.flatMap((f) => f.levels.flatMap((l) => (l.staffId === null ? [] : [l.staffId]))),
      resync,
    );
    for (const { clock, levels } of firing) {
      for (const level of levels)
        await recordEscalationEvent(ctx, clock, level, await applyEscalation(deps, trx, ctx, clock, level, now));
    }
    await ctx.flush();
    return { done: firing.reduce((n, f) => n + f.levels.length, 0), left };
  });
}
