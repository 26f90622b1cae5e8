import { compileCalendar } from '../../src/sla/business-time';
import { modeOf, nextClock } from '../../src/sla/clock-plan';
import type { ClockFacts, ClockRow } from '../../src/sla/clocks.repo';

const H = 3_600_000;
const t0 = Date.UTC(2026, 11, 7, 9); // Monday 09:00 UTC
const office = compileCalendar({ timeZone: 'UTC', week: [[], [{ start: 540, end: 1020 }], [{ start: 540, end: 1020 }], [{ start: 540, end: 1020 }], [{ start: 540, end: 1020 }], [{ start: 540, end: 1020 }], []], holidays: [] });
const facts = (extra: Partial<ClockFacts> = {}): ClockFacts => ({
  ticketId: 1, createdAt: t0, priorityId: 1, categoryId: 1, customerEmail: 'a@example.com', isOpen: true, pauses: false, merged: false, firstStaffReplyAt: null, unansweredSince: null, ...extra,
});
const target = { ms: 2 * H, policyId: 7 };
const step = (kind: 'first' | 'next' | 'resolution', f: ClockFacts, existing: ClockRow | undefined, now: number) => nextClock(kind, existing, modeOf(kind, f, { first: 120, next: 120, resolution: 120 }, now), target, office, now);

test('next response: no clock before staff has replied; a new cycle each time the customer writes again', () => {
  expect(step('next', facts(), undefined, t0).row).toBeNull();
  const cycle1 = step('next', facts({ firstStaffReplyAt: t0 + H, unansweredSince: t0 + 2 * H }), undefined, t0 + 2 * H).row!;
  expect(cycle1).toMatchObject({ startedAt: t0 + 2 * H, runningSince: t0 + 2 * H, dueAt: t0 + 4 * H, metAt: null });
  const answered = step('next', facts({ firstStaffReplyAt: t0 + H }), cycle1, t0 + 3 * H);
  expect(answered.met).toEqual({ late: false });
  expect(answered.row).toMatchObject({ metAt: t0 + 3 * H, usedMs: H, runningSince: null, dueAt: null });
  // Answered again: nothing new to record.
  expect(step('next', facts({ firstStaffReplyAt: t0 + H }), answered.row!, t0 + 4 * H).met).toBeUndefined();
  const cycle2 = step('next', facts({ firstStaffReplyAt: t0 + H, unansweredSince: t0 + 5 * H }), answered.row!, t0 + 5 * H).row!;
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
  expect(step('resolution', facts(), resolved.row!, t0 + 48 * H).row).toMatchObject({ metAt: null, usedMs: 1.5 * H, dueAt: t0 + 48.5 * H });
});

test('a ticket closed or merged without a reply drops its response clocks; a clock met after its due time is late', () => {
  const first = step('first', facts(), undefined, t0).row!;
  expect(step('first', facts({ isOpen: false }), first, t0 + H).row).toBeNull();
  expect(step('resolution', facts({ merged: true }), first, t0 + H).row).toBeNull();
  expect(step('first', facts({ firstStaffReplyAt: t0 + 3 * H }), first, t0 + 3 * H).met).toEqual({ late: true });
});
