import type { Knex } from 'knex';

// The escalation schedule (sla_escalation_due): per running clock, when the job looks at it next;
// the job reads it by its next_at index and claims each clock by a conditional write on the time it read.

/** Sets (or, with null, drops) the time the job looks at each clock next: one statement for the drops, one per 100 set. */
export async function setNextEscalations(
  trx: Knex,
  next: ReadonlyArray<{ clock: { id: number; ticketId: number }; nextAt: number | null }>,
): Promise<void> {
  const dropped = next.filter((n) => n.nextAt === null).map((n) => n.clock.id);
  if (dropped.length) await trx('sla_escalation_due').whereIn('clock_id', dropped).del();
  const rows = next.flatMap((n) =>
    n.nextAt === null ? [] : [{ clock_id: n.clock.id, ticket_id: n.clock.ticketId, next_at: n.nextAt }],
  );
  for (let i = 0; i < rows.length; i += 100)
    await trx('sla_escalation_due')
      .insert(rows.slice(i, i + 100))
      .onConflict('clock_id')
      .merge(['next_at']);
}

/** Drops the schedule rows of clocks the tickets no longer have. */
export async function dropEscalationsOfTicketsExcept(
  trx: Knex,
  ticketIds: readonly number[],
  keepClockIds: number[],
): Promise<void> {
  await trx('sla_escalation_due')
    .whereIn('ticket_id', [...new Set(ticketIds)])
    .whereNotIn('clock_id', keepClockIds.length ? keepClockIds : [0])
    .del();
}

/** Clocks with a level due, soonest first, by the next_at index: never every open ticket. */
export async function dueEscalations(
  db: Knex,
  now: number,
  limit: number,
): Promise<Array<{ clockId: number; nextAt: number }>> {
  const rows = await db('sla_escalation_due')
    .where('next_at', '<=', now)
    .orderBy('next_at')
    .limit(limit)
    .select<Array<{ clock_id: number; next_at: number | string }>>('clock_id', 'next_at');
  return rows.map((r) => ({ clockId: Number(r.clock_id), nextAt: Number(r.next_at) }));
}

/**
 * Takes a due clock for this run: moves its next time on (or drops it) only if it is still the
 * time this run read. Of two processes the second finds the row changed and does nothing.
 */
export async function claimDueEscalation(
  trx: Knex,
  clockId: number,
  seenNextAt: number,
  nextAt: number | null,
): Promise<boolean> {
  const q = trx('sla_escalation_due').where({ clock_id: clockId, next_at: seenNextAt });
  return (nextAt === null ? await q.del() : await q.update({ next_at: nextAt })) === 1;
}

export type EscalationClaim = { clockId: number; seenNextAt: number; nextAt: number | null };

/**
 * claimDueEscalation for a batch's clocks, in two statements (the clocks whose schedule ends, the
 * ones moved on): returns how many rows were still at the time the run read. Fewer than asked
 * means another process took some; the caller then leaves the batch to the one-by-one steps.
 */
export async function claimDueEscalations(trx: Knex, claims: readonly EscalationClaim[]): Promise<number> {
  const seen = (list: readonly EscalationClaim[]) => (q: Knex.QueryBuilder) => {
    for (const c of list) q.orWhere({ clock_id: c.clockId, next_at: c.seenNextAt });
  };
  const ending = claims.filter((c) => c.nextAt === null);
  const moving = claims.filter((c) => c.nextAt !== null);
  let claimed = ending.length ? await trx('sla_escalation_due').where(seen(ending)).del() : 0;
  if (moving.length) {
    // The new times are integers this code computed, written inline: a bound value inside CASE has no type on PostgreSQL.
    const int = (n: number) => {
      if (!Number.isSafeInteger(n)) throw new Error(`not an integer time: ${n}`);
      return String(n);
    };
    const cases = moving.map((c) => `when ${int(c.clockId)} then ${int(c.nextAt!)}`).join(' ');
    claimed += await trx('sla_escalation_due')
      .where(seen(moving))
      .update({ next_at: trx.raw(`case clock_id ${cases} end`) });
  }
  return claimed;
}
