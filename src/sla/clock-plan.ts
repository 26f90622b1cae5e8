/**
 * The next state of one SLA clock from the ticket's facts: pure, so every rule (start, pause,
 * resume, met, a new next-response cycle) is tested without a database.
 *
 * - first response runs from creation until the first staff reply;
 * - next response runs from the oldest customer message after the last staff reply until the
 *   next staff reply (a new cycle each time the customer writes again);
 * - resolution runs from creation until the ticket leaves the open statuses, and resumes
 *   where it stopped when the ticket is reopened.
 * Every running clock is paused while the status pauses the SLA; a closed or merged ticket's
 * unanswered response clocks are dropped.
 */
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './business-time';
import type { ClockFacts, ClockRow } from './clocks.repo';
import type { TargetKind, Targets } from './policy-match';

export type Mode = { state: 'none' } | { state: 'running' | 'paused'; startedAt: number } | { state: 'met'; at: number };

export function modeOf(kind: TargetKind, f: ClockFacts, targets: Targets, now: number): Mode {
  if (targets[kind] === undefined) return { state: 'none' };
  const stopped = !f.isOpen || f.merged;
  const runFrom = (startedAt: number): Mode => ({ state: f.pauses ? 'paused' : 'running', startedAt });
  switch (kind) {
    case 'first':
      if (f.firstStaffReplyAt !== null) return { state: 'met', at: f.firstStaffReplyAt };
      return stopped ? { state: 'none' } : runFrom(f.createdAt);
    case 'next':
      if (f.firstStaffReplyAt === null) return { state: 'none' };
      if (f.unansweredSince !== null && !stopped) return runFrom(f.unansweredSince);
      return { state: 'met', at: now };
    case 'resolution':
      if (f.merged) return { state: 'none' };
      return f.isOpen ? runFrom(f.createdAt) : { state: 'met', at: now };
  }
}

export type ClockChange = { row: ClockRow | null; met?: { late: boolean } };

export function nextClock(kind: TargetKind, existing: ClockRow | undefined, mode: Mode, target: { ms: number; policyId: number | null }, cal: BusinessCalendar, now: number): ClockChange {
  if (mode.state === 'none') return { row: null };
  if (mode.state === 'met') {
    if (!existing || existing.metAt !== null) return { row: existing ?? null };
    const at = Math.max(mode.at, existing.startedAt);
    const usedMs = existing.usedMs + (existing.runningSince === null ? 0 : businessTimeBetween(cal, existing.runningSince, Math.max(at, existing.runningSince)));
    const late = existing.breachedAt !== null || (existing.dueAt !== null && at > existing.dueAt);
    return { row: { ...existing, usedMs, runningSince: null, dueAt: null, metAt: at }, met: { late } };
  }
  const running = mode.state === 'running';
  const same = existing !== undefined && existing.startedAt === mode.startedAt;
  let usedMs: number;
  let runningSince: number | null;
  if (!same) {
    // A new clock (or a new next-response cycle): it has been running since it started, unless paused now.
    usedMs = running ? 0 : businessTimeBetween(cal, mode.startedAt, Math.max(now, mode.startedAt));
    runningSince = running ? mode.startedAt : null;
  } else if (existing.runningSince !== null) {
    usedMs = running ? existing.usedMs : existing.usedMs + businessTimeBetween(cal, existing.runningSince, Math.max(now, existing.runningSince));
    runningSince = running ? existing.runningSince : null;
  } else {
    usedMs = existing.usedMs;
    runningSince = running ? now : null;
  }
  const dueAt = runningSince === null ? null : addBusinessTime(cal, runningSince, Math.max(0, target.ms - usedMs));
  return {
    row: {
      kind,
      policyId: target.policyId,
      targetMs: target.ms,
      startedAt: mode.startedAt,
      usedMs,
      runningSince,
      dueAt,
      metAt: null,
      breachedAt: same ? existing.breachedAt : null,
    },
  };
}
