/**
 * When the escalation levels of one running SLA clock fire: pure, so the schedule the job reads
 * and the job's own check agree. A level fires once `at_percent` of the clock's target is used
 * (100: at the due time, the breach); what was already used before the clock last resumed counts.
 */
import { addBusinessTime, type BusinessCalendar } from './business-time';
import type { TargetKind } from './policy-match';

export const escalationActions = [
  'notify_owner',
  'notify_category',
  'notify_staff',
  'raise_priority',
  'reassign',
  'next_tier',
] as const;
export type EscalationAction = (typeof escalationActions)[number];
/** Actions that name a staff member. */
export const staffActions: readonly EscalationAction[] = ['notify_staff', 'reassign'];

export type EscalationLevel = {
  id: number;
  policyId: number;
  kind: TargetKind;
  atPercent: number;
  action: EscalationAction;
  staffId: number | null;
};
/** The part of a clock row the plan needs. */
export type RunningClock = {
  kind: TargetKind;
  targetMs: number;
  usedMs: number;
  runningSince: number | null;
  dueAt: number | null;
  metAt: number | null;
  startedAt: number;
};

/** The instant a level fires on this clock, or null while the clock is paused, stopped or met. */
export function triggerAt(cal: BusinessCalendar, clock: RunningClock, atPercent: number): number | null {
  if (clock.metAt !== null || clock.runningSince === null || clock.dueAt === null) return null;
  if (atPercent >= 100) return clock.dueAt;
  const threshold = Math.ceil((clock.targetMs * atPercent) / 100);
  if (threshold <= clock.usedMs) return clock.runningSince;
  return addBusinessTime(cal, clock.runningSince, threshold - clock.usedMs);
}

export type LevelPlan = { level: EscalationLevel; at: number };

/** The clock's levels not done in this cycle, each with its time, soonest first (ties: level order). */
export function pendingLevels(
  cal: BusinessCalendar,
  clock: RunningClock,
  levels: EscalationLevel[],
  done: ReadonlySet<number>,
): LevelPlan[] {
  return levels
    .filter((l) => l.kind === clock.kind && !done.has(l.id))
    .flatMap((level) => {
      const at = triggerAt(cal, clock, level.atPercent);
      return at === null ? [] : [{ level, at }];
    })
    .sort((a, b) => a.at - b.at || a.level.atPercent - b.level.atPercent || a.level.id - b.level.id);
}

/** What fires now and when the job should look again (null: nothing left in this cycle). */
export function splitDue(plans: LevelPlan[], now: number): { due: LevelPlan[]; nextAt: number | null } {
  const due = plans.filter((p) => p.at <= now);
  const later = plans.find((p) => p.at > now);
  return { due, nextAt: later?.at ?? null };
}
