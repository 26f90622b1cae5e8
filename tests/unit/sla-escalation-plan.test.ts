import { compileCalendar } from '../../src/sla/business-time';
import {
  pendingLevels,
  splitDue,
  triggerAt,
  type EscalationLevel,
  type RunningClock,
} from '../../src/sla/escalation-plan';

const H = 3_600_000;
const MIN = 60_000;
const friday17 = Date.UTC(2026, 11, 4, 17); // Friday 17:00 UTC, when the office closes
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
const monday9 = Date.UTC(2026, 11, 7, 9);
const clock = (extra: Partial<RunningClock> = {}): RunningClock => ({
  kind: 'first',
  targetMs: H,
  usedMs: 0,
  runningSince: friday17 - 5 * MIN,
  dueAt: monday9 + 55 * MIN,
  metAt: null,
  startedAt: friday17 - 5 * MIN,
  ...extra,
});
const level = (id: number, atPercent: number, kind: EscalationLevel['kind'] = 'first'): EscalationLevel => ({
  id,
  policyId: 1,
  kind,
  atPercent,
  action: 'notify_owner',
  staffId: null,
});

test('80 % of one business hour started at 16:55 on Friday falls at 09:43 on Monday; 100 % is the due time', () => {
  expect(triggerAt(office, clock(), 80)).toBe(monday9 + 43 * MIN);
  expect(triggerAt(office, clock(), 100)).toBe(monday9 + 55 * MIN);
});

test('time used before a pause counts: a level already passed fires at the resume', () => {
  const resumed = clock({ usedMs: 50 * MIN, runningSince: monday9, dueAt: monday9 + 10 * MIN });
  expect(triggerAt(office, resumed, 80)).toBe(monday9);
  expect(triggerAt(office, resumed, 90)).toBe(monday9 + 4 * MIN);
});

test('paused, stopped and met clocks have no trigger', () => {
  expect(triggerAt(office, clock({ runningSince: null, dueAt: null }), 80)).toBeNull();
  expect(triggerAt(office, clock({ metAt: monday9 }), 100)).toBeNull();
});

test('levels of other clocks and levels already done are left out; what is due fires, the next one is scheduled', () => {
  const levels = [level(1, 100), level(2, 80), level(3, 50, 'resolution')];
  const plans = pendingLevels(office, clock(), levels, new Set());
  expect(plans.map((p) => p.level.id)).toEqual([2, 1]);
  expect(splitDue(plans, monday9 + 45 * MIN)).toEqual({ due: [plans[0]], nextAt: monday9 + 55 * MIN });
  expect(splitDue(pendingLevels(office, clock(), levels, new Set([1, 2])), monday9 + 2 * H)).toEqual({
    due: [],
    nextAt: null,
  });
});
