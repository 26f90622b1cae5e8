/**
 * SLA clocks for a seeded bench help desk (issue 13 "Speed"), in bulk: a few INSERT … SELECT and
 * UPDATE statements over the seeded tickets, never the service per ticket. Deterministic (every
 * choice derives from the ticket id) and idempotent (tickets that already have a clock are
 * skipped, so it can follow the ticket seeding as that grows).
 *
 * The shape, as a desk that has run a policy for a while would hold it:
 * - one active policy "Bench SLA" with resolution targets per priority (urgent 8 h, high 24 h,
 *   normal 72 h, low 120 h) and no calendar (the clocks run round the clock), and two escalation
 *   levels on it: 80 % notify the owner, 100 % raise the priority;
 * - a running resolution clock for every open ticket whose status does not pause (new, open,
 *   replied: about 13 % of the tickets), started a hashed share of 0–125 % of its target ago, so
 *   about a fifth are breached (marked, as the breach job would have) and the rest fall due over
 *   the next days: a few dozen clocks reach a level in any one minute;
 * - `tickets.sla_due_at` as the clocks' subscriber keeps it; `sla_escalation_due` holding each
 *   unbreached clock's next level, `sla_escalations_done` the levels already passed.
 * Paused tickets (waiting, on hold) have no running clock; closed tickets none at all.
 */
import type { Knex } from 'knex';
import { clientOf } from '../src/db/dialect';

export const benchPolicyName = 'Bench SLA';
/** Resolution target per priority key, in minutes. */
export const benchTargets: Record<string, number> = { urgent: 8 * 60, high: 24 * 60, normal: 72 * 60, low: 120 * 60 };

type Ids = { policyId: number; warnLevelId: number; breachLevelId: number };

async function benchPolicy(db: Knex, now: number): Promise<Ids> {
  const priorities = (await db('priorities').select('id', 'key')) as Array<{ id: number; key: string }>;
  let policy = await db('sla_policies').where({ name: benchPolicyName }).first<{ id: number } | undefined>('id');
  if (!policy) {
    const targets = Object.fromEntries(
      priorities.filter((p) => benchTargets[p.key]).map((p) => [String(p.id), { resolution: benchTargets[p.key] }]),
    );
    await db('sla_policies').insert({
      name: benchPolicyName,
      position: 1,
      targets: JSON.stringify(targets),
      is_active: true,
      created_at: now,
      updated_at: now,
    });
    policy = await db('sla_policies').where({ name: benchPolicyName }).first<{ id: number }>('id');
  }
  const policyId = Number(policy!.id);
  const levelAt = async (atPercent: number, action: string): Promise<number> => {
    const found = await db('sla_escalation_levels')
      .where({ policy_id: policyId, kind: 'resolution', at_percent: atPercent })
      .first<{ id: number } | undefined>('id');
    if (found) return Number(found.id);
    await db('sla_escalation_levels').insert({
      policy_id: policyId,
      kind: 'resolution',
      at_percent: atPercent,
      action,
      created_at: now,
    });
    return levelAt(atPercent, action);
  };
  return {
    policyId,
    warnLevelId: await levelAt(80, 'notify_owner'),
    breachLevelId: await levelAt(100, 'raise_priority'),
  };
}

/** Adds the clocks of tickets that have none; returns how many open tickets carry a clock now. */
export async function seedSlaClocks(
  db: Knex,
  opts: { now?: number; batch?: number; onProgress?: (doneUpToId: number, maxId: number) => void } = {},
): Promise<{ clocks: number; breached: number; scheduled: number }> {
  const now = opts.now ?? Date.now();
  const batch = opts.batch ?? 100_000;
  const client = clientOf(db);
  const ids = await benchPolicy(db, now);
  const priorities = (await db('priorities').select('id', 'key')) as Array<{ id: number; key: string }>;
  const running = ((await db('statuses').where({ is_open: true, pauses_sla: false }).pluck('id')) as number[]).map(
    Number,
  );
  const targetMs = `(case t.priority_id ${priorities.map((p) => `when ${Number(p.id)} then ${(benchTargets[p.key] ?? benchTargets.normal!) * 60_000}`).join(' ')} else ${benchTargets.normal! * 60_000} end)`;
  // A share of 0-125 % of the target already used, from the ticket id (Knuth's multiplicative hash).
  const used = `((((t.id * 2654435761) % 1000) * ${targetMs} * 125) / 100000)`;
  const maxId = Number((await db('tickets').max<{ m: number }[]>({ m: 'id' }))[0]!.m ?? 0);
  for (let from = 0; from < maxId; from += batch) {
    await db.transaction(async (trx) => {
      await trx.raw(
        `insert into sla_clocks (ticket_id, kind, policy_id, target_ms, started_at, used_ms, running_since, due_at, breached_at, updated_at)
         select t.id, 'resolution', ?, ${targetMs}, ? - ${used}, 0, ? - ${used}, ? - ${used} + ${targetMs},
                case when ? - ${used} + ${targetMs} <= ? then ? - ${used} + ${targetMs} else null end, ?
         from tickets t
         where t.id > ? and t.id <= ? and t.merged_into_id is null and t.status_id in (${running.map(() => '?').join(',')})
           and not exists (select 1 from sla_clocks c where c.ticket_id = t.id)`,
        [ids.policyId, now, now, now, now, now, now, now, from, from + batch, ...running],
      );
    });
    opts.onProgress?.(Math.min(from + batch, maxId), maxId);
  }
  // The ticket's copy of its soonest running due time (the list's sort and "breached" filter).
  if (client === 'mysql')
    await db.raw(
      'update tickets t join sla_clocks c on c.ticket_id = t.id and c.kind = ? set t.sla_due_at = c.due_at where t.sla_due_at is null',
      ['resolution'],
    );
  else if (client === 'postgres')
    await db.raw(
      'update tickets t set sla_due_at = c.due_at from sla_clocks c where c.ticket_id = t.id and c.kind = ? and t.sla_due_at is null',
      ['resolution'],
    );
  else
    await db.raw(
      'update tickets set sla_due_at = (select c.due_at from sla_clocks c where c.ticket_id = tickets.id and c.kind = ?) where sla_due_at is null and id in (select ticket_id from sla_clocks)',
      ['resolution'],
    );
  // Levels whose time has passed are done (the 80 % one at due - 20 % of the target).
  const doneSql = (levelId: number, passed: string) =>
    db.raw(
      `insert into sla_escalations_done (ticket_id, kind, level_id, cycle_started_at, done_at)
       select c.ticket_id, c.kind, ?, c.started_at, ? from sla_clocks c
       where c.policy_id = ? and ${passed} <= ? and not exists (select 1 from sla_escalations_done d where d.ticket_id = c.ticket_id and d.level_id = ?)`,
      [levelId, now, ids.policyId, now, levelId],
    );
  await doneSql(ids.warnLevelId, 'c.due_at - c.target_ms / 5');
  await doneSql(ids.breachLevelId, 'c.due_at');
  // Every unbreached clock's next level: the warning while it is ahead, else the breach.
  await db.raw(
    `insert into sla_escalation_due (clock_id, ticket_id, next_at)
     select c.id, c.ticket_id, case when c.due_at - c.target_ms / 5 > ? then c.due_at - c.target_ms / 5 else c.due_at end
     from sla_clocks c where c.policy_id = ? and c.breached_at is null and not exists (select 1 from sla_escalation_due e where e.clock_id = c.id)`,
    [now, ids.policyId],
  );
  if (client === 'mysql') await db.raw('ANALYZE TABLE tickets, sla_clocks, sla_escalation_due, sla_escalations_done');
  if (client === 'postgres') await db.raw('ANALYZE tickets, sla_clocks, sla_escalation_due, sla_escalations_done');
  const count = async (q: Knex.QueryBuilder) =>
    Number(((await q.count<{ n: number }[]>({ n: '*' })) as Array<{ n: number }>)[0]!.n);
  return {
    clocks: await count(db('sla_clocks')),
    breached: await count(db('sla_clocks').whereNotNull('breached_at')),
    scheduled: await count(db('sla_escalation_due')),
  };
}
