/**
 * The next state of one SLA clock from the ticket's facts: pure, so every rule (start, pause,
 * resume, met, stopped, a new next-response cycle) is tested without a database.
 *
 * - first response runs from creation until the first staff reply;
 * - next response runs from the oldest customer message after the last staff reply until the
 *   next staff reply (a new cycle each time the customer writes again);
 * - resolution runs from creation until the ticket leaves the open statuses, and resumes
 *   where it stopped when the ticket is reopened.
 * Every running clock is paused while the status pauses the SLA. Closing or merging a ticket
 * stops a response clock that was not met (stopped is not met: the customer got no answer),
 * and a merged ticket's resolution clock (the surviving ticket carries on); a stopped clock is
 * kept, and resumes with the business time it had used when the ticket is reopened. A clock
 * that leaves running after its due time is breached at that due time, once.
 */
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './business-time';
import type { ClockFacts } from './clock-facts.repo';
import type { ClockRow } from './clocks.repo';
import type { TargetKind, Targets } from './policy-match';

export type Mode =
  | { state: 'none' }
  | { state: 'stopped' }
  | { state: 'running' | 'paused'; startedAt: number }
  | { state: 'met'; at: number };

export function modeOf(kind: TargetKind, f: ClockFacts, targets: Targets, now: number): Mode {
  if (targets[kind] === undefined) return { state: 'none' };
  const stopped = !f.isOpen || f.merged;
  const runFrom = (startedAt: number): Mode =>
    stopped ? { state: 'stopped' } : { state: f.pauses ? 'paused' : 'running', startedAt };
  switch (kind) {
    case 'first':
      // A reply given (even in the change that closes the ticket) meets it.
      if (f.firstStaffReplyAt !== null) return { state: 'met', at: f.firstStaffReplyAt };
      return runFrom(f.createdAt);
    case 'next':
      if (f.firstStaffReplyAt === null) return { state: 'none' };
      if (f.unansweredSince !== null) return runFrom(f.unansweredSince);
      return { state: 'met', at: now };
    case 'resolution':
      if (f.merged) return { state: 'stopped' };
      return f.isOpen ? runFrom(f.createdAt) : { state: 'met', at: now };
  }
}

/** `breached`: the clock left running after its due time without being marked; the caller records it once. */
export type ClockChange = { row: ClockRow | null; met?: { late: boolean }; breached?: { dueAt: number } };

/** Business time used up to `at`, for a clock that is running or not. */
const usedUntil = (cal: BusinessCalendar, c: ClockRow, at: number) =>
  c.usedMs + (c.runningSince === null ? 0 : businessTimeBetween(cal, c.runningSince, Math.max(at, c.runningSince)));

/** The due time a running clock passed before `at` and that no one has recorded yet. */
const missedBreach = (c: ClockRow, at: number) =>
  c.breachedAt === null && c.runningSince !== null && c.dueAt !== null && c.dueAt <= at ? c.dueAt : null;

export function nextClock(
  kind: TargetKind,
  existing: ClockRow | undefined,
  mode: Mode,
  target: { ms: number; policyId: number | null },
  cal: BusinessCalendar,
  now: number,
): ClockChange {
  if (mode.state === 'none') {
    if (!existing) return { row: null };
    // No target any more (another priority, a policy gone): a clock with a history stays, stopped; any other goes.
    if (existing.metAt !== null || existing.stoppedAt !== null) return { row: existing };
    if (existing.breachedAt === null && missedBreach(existing, now) === null) return { row: null };
    return stop(existing, cal, now);
  }
  if (mode.state === 'stopped') {
    if (!existing || existing.metAt !== null || existing.stoppedAt !== null) return { row: existing ?? null };
    return stop(existing, cal, now);
  }
  if (mode.state === 'met') {
    if (!existing || existing.metAt !== null) return { row: existing ?? null };
    const at = Math.max(mode.at, existing.startedAt);
    const missed = missedBreach(existing, at);
    const late = existing.breachedAt !== null || missed !== null;
    return {
      row: {
        ...existing,
        usedMs: usedUntil(cal, existing, at),
        runningSince: null,
        dueAt: null,
        metAt: at,
        stoppedAt: null,
        breachedAt: existing.breachedAt ?? missed,
      },
      met: { late },
      ...(missed !== null ? { breached: { dueAt: missed } } : {}),
    };
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
    usedMs = running ? existing.usedMs : usedUntil(cal, existing, now);
    runningSince = running ? existing.runningSince : null;
  } else {
    // Resumed after a pause, a stop or a resolution: it goes on with the time it had used.
    usedMs = existing.usedMs;
    runningSince = running ? now : null;
  }
  const missed = same && !running ? missedBreach(existing, now) : null;
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
      stoppedAt: null,
      // Once breached, a clock stays breached for its cycle (a reopened ticket does not breach again).
      breachedAt: same ? (existing.breachedAt ?? missed) : null,
    },
    ...(missed !== null ? { breached: { dueAt: missed } } : {}),
  };
}

function stop(existing: ClockRow, cal: BusinessCalendar, now: number): ClockChange {
  const missed = missedBreach(existing, now);
  return {
    row: {
      ...existing,
      usedMs: usedUntil(cal, existing, now),
      runningSince: null,
      dueAt: null,
      stoppedAt: now,
      breachedAt: existing.breachedAt ?? missed,
    },
    ...(missed !== null ? { breached: { dueAt: missed } } : {}),
  };
}
