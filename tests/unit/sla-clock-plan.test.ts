import { compileCalendar } from '../../src/sla/business-time';
import { modeOf, nextClock } from '../../src/sla/clock-plan';
import type { ClockFacts } from '../../src/sla/clock-facts.repo';
import type { ClockRow } from '../../src/sla/clocks.repo';

const H = 3_600_000;
const t0 = Date.UTC(2026, 11, 7, 9); // Monday 09:00 UTC
const office = compileCalendar({
  timeZone: 'UTC',
  week: [
    [],
    [{ start: 540, end: 1020 }],
    [{ start: 540, end: 1020 }],
    [{ start: 540, end: 1020 }],
    [{ start: 540, end: 1020 }],
    [{ start: 540, end: 1020 }],
    [],
  ],
  holidays: [],
});
const facts = (extra: Partial<ClockFacts> = {}): ClockFacts => ({
  ticketId: 1,
  createdAt: t0,
  priorityId: 1,
  categoryId: 1,
  customerEmail: 'a@example.com',
  isOpen: true,
  pauses: false,
  merged: false,
  firstStaffReplyAt: null,
  unansweredSince: null,
  ...extra,
});
const target = { ms: 2 * H, policyId: 7 };
const step = (kind: 'first' | 'next' | 'resolution', f: ClockFacts, existing: ClockRow | undefined, now: number) =>
  nextClock(kind, existing, modeOf(kind, f, { first: 120, next: 120, resolution: 120 }, now), target, office, now);

test('next response: no clock before staff has replied; a new cycle each time the customer writes again', () => {
  expect(step('next', facts(), undefined, t0).row).toBeNull();
  const cycle1 = step('next', facts({ firstStaffReplyAt: t0 + H, unansweredSince: t0 + 2 * H }), undefined, t0 + 2 * H)
    .row!;
  expect(cycle1).toMatchObject({ startedAt: t0 + 2 * H, runningSince: t0 + 2 * H, dueAt: t0 + 4 * H, metAt: null });
  const answered = step('next', facts({ firstStaffReplyAt: t0 + H }), cycle1, t0 + 3 * H);
  expect(answered.met).toEqual({ late: false });
  expect(answered.row).toMatchObject({ metAt: t0 + 3 * H, usedMs: H, runningSince: null, dueAt: null });
  // Answered again: nothing new to record.
  expect(step('next', facts({ firstStaffReplyAt: t0 + H }), answered.row!, t0 + 4 * H).met).toBeUndefined();
  const cycle2 = step(
    'next',
    facts({ firstStaffReplyAt: t0 + H, unansweredSince: t0 + 5 * H }),
    answered.row!,
    t0 + 5 * H,
  ).row!;
  expect(cycle2).toMatchObject({ startedAt: t0 + 5 * H, usedMs: 0, metAt: null, dueAt: t0 + 7 * H });
});

test('pause and resume keep the business time used; the due time moves by the time paused', () => {
  const running = step('resolution', facts(), undefined, t0).row!;
  expect(running.dueAt).toBe(t0 + 2 * H);
  const paused = step('resolution', facts({ pauses: true }), running, t0 + H).row!;
  expect(paused).toMatchObject({ runningSince: null, dueAt: null, usedMs: H });
  // Resumed Tuesday 09:00: one business hour left.
  const resumed = step('resolution', facts(), paused, t0 + 24 * H).row!;
  expect(resumed).toMatchObject({ runningSince: t0 + 24 * H, dueAt: t0 + 25 * H, usedMs: H });
  // Resolved, then reopened: it goes on where it stopped.
  const resolved = step('resolution', facts({ isOpen: false }), resumed, t0 + 24.5 * H);
  expect(resolved.row).toMatchObject({ metAt: t0 + 24.5 * H, usedMs: 1.5 * H });
  expect(step('resolution', facts(), resolved.row!, t0 + 48 * H).row).toMatchObject({
    metAt: null,
    usedMs: 1.5 * H,
    dueAt: t0 + 48.5 * H,
  });
});

test('closing without a reply stops the response clock unmet (kept, not deleted); reopening resumes it with the time it had used', () => {
  const first = step('first', facts(), undefined, t0).row!;
  const closed = step('first', facts({ isOpen: false }), first, t0 + H);
  expect(closed.met).toBeUndefined();
  expect(closed.row).toMatchObject({
    stoppedAt: t0 + H,
    metAt: null,
    runningSince: null,
    dueAt: null,
    usedMs: H,
    breachedAt: null,
  });
  // Closed again, or a later change while closed: nothing moves.
  expect(step('first', facts({ isOpen: false }), closed.row!, t0 + 5 * H).row).toBe(closed.row);
  // Reopened Tuesday 09:00: one business hour left, not a new clock.
  expect(step('first', facts(), closed.row!, t0 + 24 * H).row).toMatchObject({
    stoppedAt: null,
    usedMs: H,
    runningSince: t0 + 24 * H,
    dueAt: t0 + 25 * H,
    startedAt: t0,
  });
  // A closed ticket gets no new clock.
  expect(step('first', facts({ isOpen: false }), undefined, t0).row).toBeNull();
});

test('closing with an unanswered customer message stops the next-response clock; it is not met', () => {
  const waiting = facts({ firstStaffReplyAt: t0, unansweredSince: t0 + H });
  const next = step('next', waiting, undefined, t0 + H).row!;
  const closed = step('next', { ...waiting, isOpen: false }, next, t0 + 1.5 * H);
  expect(closed.met).toBeUndefined();
  expect(closed.row).toMatchObject({ stoppedAt: t0 + 1.5 * H, metAt: null });
});

test("merging stops the merged ticket's clocks; met and breached clocks stay as they were", () => {
  const resolution = step('resolution', facts(), undefined, t0).row!;
  expect(step('resolution', facts({ merged: true }), resolution, t0 + H).row).toMatchObject({
    stoppedAt: t0 + H,
    metAt: null,
    usedMs: H,
  });
  const met = step('first', facts({ firstStaffReplyAt: t0 + H }), step('first', facts(), undefined, t0).row!, t0 + H)
    .row!;
  expect(step('first', facts({ firstStaffReplyAt: t0 + H, merged: true, isOpen: false }), met, t0 + 2 * H).row).toBe(
    met,
  );
});

test('a clock that leaves running after its due time is breached at that due time once; a reopened breached clock does not breach again', () => {
  const first = step('first', facts(), undefined, t0).row!;
  const late = step('first', facts({ firstStaffReplyAt: t0 + 3 * H }), first, t0 + 3 * H);
  expect(late.met).toEqual({ late: true });
  expect(late.breached).toEqual({ dueAt: t0 + 2 * H });
  expect(late.row).toMatchObject({ breachedAt: t0 + 2 * H, metAt: t0 + 3 * H });
  // Closed overdue: stopped and breached at the due time.
  const stopped = step('first', facts({ isOpen: false }), first, t0 + 3 * H);
  expect(stopped.breached).toEqual({ dueAt: t0 + 2 * H });
  expect(stopped.row).toMatchObject({ breachedAt: t0 + 2 * H, stoppedAt: t0 + 3 * H });
  // Reopened: due at once, but already breached; the breach is never cleared within the cycle.
  const reopened = step('first', facts(), stopped.row!, t0 + 4 * H);
  expect(reopened.breached).toBeUndefined();
  expect(reopened.row).toMatchObject({ breachedAt: t0 + 2 * H, dueAt: t0 + 4 * H, stoppedAt: null });
  // The job marked it first (read under lock): the change keeps the mark and records nothing more.
  const marked = { ...first, breachedAt: t0 + 2 * H };
  expect(step('first', facts({ pauses: true }), marked, t0 + 3 * H)).toEqual({
    row: expect.objectContaining({ breachedAt: t0 + 2 * H, runningSince: null }),
  });
  // A resolution clock resolved late, then reopened and resolved again: breached once.
  const res = step('resolution', facts(), undefined, t0).row!;
  const resolved = step('resolution', facts({ isOpen: false }), res, t0 + 3 * H);
  expect(resolved.breached).toEqual({ dueAt: t0 + 2 * H });
  const again = step('resolution', facts(), resolved.row!, t0 + 24 * H);
  expect(again.breached).toBeUndefined();
  expect(step('resolution', facts({ isOpen: false }), again.row!, t0 + 25 * H).breached).toBeUndefined();
});

test('a target that goes away deletes a clock without history and stops one that breached', () => {
  const first = step('first', facts(), undefined, t0).row!;
  const none = (existing: typeof first, now: number) =>
    nextClock('first', existing, modeOf('first', facts(), {}, now), target, office, now);
  expect(none(first, t0 + H).row).toBeNull();
  expect(none(first, t0 + 3 * H)).toMatchObject({
    row: { stoppedAt: t0 + 3 * H, breachedAt: t0 + 2 * H },
    breached: { dueAt: t0 + 2 * H },
  });
});
