import {
  addBusinessMinutes,
  addBusinessTime,
  businessMinutesBetween,
  businessTimeBetween,
  compileCalendar,
  type CalendarSpec,
  type Holiday,
  type WorkInterval,
} from '../../src/sla/business-time';
import { utc } from '../helpers/sla';

const H = 3_600_000;
const M = 60_000;
const nineToFive: WorkInterval[] = [{ start: 9 * 60, end: 17 * 60 }];
const weekdays = (day: WorkInterval[]): WorkInterval[][] => [[], day, day, day, day, day, []];
const everyDay = (day: WorkInterval[]): WorkInterval[][] => Array.from({ length: 7 }, () => day);
const office = (timeZone: string, holidays: Holiday[] = []) =>
  compileCalendar({ timeZone, week: weekdays(nineToFive), holidays });

describe('office hours Monday to Friday 9-17 in Europe/Bratislava', () => {
  const cal = office('Europe/Bratislava');

  test('inside one day', () => {
    // Monday 2026-12-07 10:00 CET = 09:00Z
    expect(addBusinessMinutes(cal, utc(2026, 12, 7, 9), 60)).toBe(utc(2026, 12, 7, 10));
    expect(businessMinutesBetween(cal, utc(2026, 12, 7, 9), utc(2026, 12, 7, 10))).toBe(60);
  });

  test('a ticket at 17:55 on Friday with a one-hour target is due at 10:00 on Monday; 80 % is 9:48', () => {
    const friday1755 = utc(2026, 12, 4, 16, 55);
    expect(addBusinessMinutes(cal, friday1755, 60)).toBe(utc(2026, 12, 7, 9, 0));
    expect(addBusinessMinutes(cal, friday1755, 48)).toBe(utc(2026, 12, 7, 8, 48));
    expect(businessMinutesBetween(cal, friday1755, utc(2026, 12, 7, 8, 30))).toBe(30);
  });

  test('a target that ends exactly at closing time ends then, not at the next opening', () => {
    expect(addBusinessMinutes(cal, utc(2026, 12, 4, 15), 60)).toBe(utc(2026, 12, 4, 16));
  });

  test('over the weekend, and starting on a weekend', () => {
    expect(addBusinessMinutes(cal, utc(2026, 12, 4, 15, 30), 60)).toBe(utc(2026, 12, 7, 8, 30));
    expect(addBusinessMinutes(cal, utc(2026, 12, 5, 11), 30)).toBe(utc(2026, 12, 7, 8, 30));
    expect(businessMinutesBetween(cal, utc(2026, 12, 5, 0), utc(2026, 12, 6, 23))).toBe(0);
  });

  test('zero, reversed and early instants', () => {
    expect(addBusinessMinutes(cal, utc(2026, 12, 5, 11), 0)).toBe(utc(2026, 12, 5, 11));
    expect(businessMinutesBetween(cal, utc(2026, 12, 7, 10), utc(2026, 12, 7, 9))).toBe(-60);
    // 06:00 local is before opening: counting starts at 09:00.
    expect(addBusinessMinutes(cal, utc(2026, 12, 7, 5), 1)).toBe(utc(2026, 12, 7, 8, 1));
  });
});

describe('holidays', () => {
  test('a one-off holiday closes that date only', () => {
    const cal = office('Europe/Bratislava', [{ date: '2026-12-07', yearly: false }]);
    expect(addBusinessMinutes(cal, utc(2026, 12, 4, 16, 55), 60)).toBe(utc(2026, 12, 8, 9));
    expect(businessMinutesBetween(cal, utc(2026, 12, 7, 0), utc(2026, 12, 9, 0))).toBe(8 * 60);
    // The same date a year later is a normal Tuesday.
    expect(businessMinutesBetween(cal, utc(2027, 12, 7, 0), utc(2027, 12, 8, 0))).toBe(8 * 60);
  });

  test('a yearly holiday closes the same day every year', () => {
    const christmas = ['2020-12-24', '2020-12-25', '2020-12-26'].map((date) => ({ date, yearly: true }));
    const cal = office('Europe/Bratislava', christmas);
    // Thursday 2027-12-23 16:00 CET; 24th (Fri) closed, weekend, Monday the 27th open.
    expect(addBusinessMinutes(cal, utc(2027, 12, 23, 15), 120)).toBe(utc(2027, 12, 27, 9));
    expect(businessMinutesBetween(cal, utc(2031, 12, 24, 0), utc(2031, 12, 27, 0))).toBe(0);
  });
});

describe('several intervals a day and midnight', () => {
  test('a lunch break is not counted', () => {
    const cal = compileCalendar({
      timeZone: 'Europe/Bratislava',
      week: weekdays([
        { start: 540, end: 720 },
        { start: 780, end: 1020 },
      ]),
      holidays: [],
    });
    expect(addBusinessMinutes(cal, utc(2026, 12, 7, 10, 30), 60)).toBe(utc(2026, 12, 7, 12, 30));
    expect(businessMinutesBetween(cal, utc(2026, 12, 7, 0), utc(2026, 12, 8, 0))).toBe(7 * 60);
  });

  test('a night shift runs through midnight', () => {
    const cal = compileCalendar({
      timeZone: 'UTC',
      week: everyDay([
        { start: 0, end: 360 },
        { start: 1320, end: 1440 },
      ]),
      holidays: [],
    });
    expect(addBusinessMinutes(cal, utc(2026, 12, 7, 23), 180)).toBe(utc(2026, 12, 8, 2));
    expect(businessMinutesBetween(cal, utc(2026, 12, 7, 21), utc(2026, 12, 8, 7))).toBe(8 * 60);
    expect(addBusinessMinutes(cal, utc(2026, 12, 8, 5), 120)).toBe(utc(2026, 12, 8, 23));
  });

  test('overlapping and out-of-range intervals are merged and clipped', () => {
    const cal = compileCalendar({
      timeZone: 'UTC',
      week: everyDay([
        { start: 540, end: 720 },
        { start: 600, end: 840 },
        { start: 1400, end: 2000 },
        { start: 30, end: 10 },
      ]),
      holidays: [],
    });
    expect(businessMinutesBetween(cal, utc(2026, 12, 7), utc(2026, 12, 8))).toBe(300 + 40);
    expect(cal.weekMs).toBe(7 * 340 * M);
  });
});

describe('daylight saving changes', () => {
  test('Europe/Bratislava spring forward: a 24/7 desk has a 23-hour Sunday', () => {
    const cal = compileCalendar({
      timeZone: 'Europe/Bratislava',
      week: everyDay([{ start: 0, end: 1440 }]),
      holidays: [],
    });
    // Saturday 00:00 CET = Friday 23:00Z; Monday 00:00 CEST = Sunday 22:00Z.
    expect(businessTimeBetween(cal, utc(2026, 3, 27, 23), utc(2026, 3, 29, 22))).toBe(47 * H);
    // Saturday 12:00 CET + 24 hours = Sunday 13:00 CEST.
    expect(addBusinessMinutes(cal, utc(2026, 3, 28, 11), 24 * 60)).toBe(utc(2026, 3, 29, 11));
  });

  test('a 24/7 desk over weeks that hold a change: an hour fewer in spring, one more in autumn', () => {
    const cal = compileCalendar({
      timeZone: 'America/New_York',
      week: everyDay([{ start: 0, end: 1440 }]),
      holidays: [],
    });
    // 2026-03-01 00:00 EST (05:00Z) to 2026-03-22 00:00 EDT (04:00Z): three weeks, the second with the jump.
    expect(businessTimeBetween(cal, utc(2026, 3, 1, 5), utc(2026, 3, 22, 4))).toBe((21 * 24 - 1) * H);
    expect(addBusinessTime(cal, utc(2026, 3, 1, 5), 21 * 24 * H)).toBe(utc(2026, 3, 22, 5));
    expect(businessTimeBetween(cal, utc(2026, 10, 25, 4), utc(2026, 11, 15, 5))).toBe((21 * 24 + 1) * H);
    expect(addBusinessTime(cal, utc(2026, 10, 25, 4), 21 * 24 * H)).toBe(utc(2026, 11, 15, 4));
  });

  test('an opening in the skipped hour starts at the jump', () => {
    const sundays: WorkInterval[][] = [[{ start: 150, end: 300 }], [], [], [], [], [], []];
    const cal = compileCalendar({ timeZone: 'Europe/Bratislava', week: sundays, holidays: [] });
    // 2026-03-29 02:30 does not exist: the desk opens at 03:00 CEST (01:00Z) and closes 05:00 CEST.
    expect(businessTimeBetween(cal, utc(2026, 3, 28), utc(2026, 3, 30))).toBe(2 * H);
    expect(addBusinessMinutes(cal, utc(2026, 3, 28), 1)).toBe(utc(2026, 3, 29, 1, 1));
  });

  test('night hours are five on the spring-forward and seven on the fall-back night', () => {
    for (const [zone, spring, fall] of [
      ['Europe/Bratislava', utc(2026, 3, 29), utc(2026, 10, 25)],
      ['America/New_York', utc(2026, 3, 8), utc(2026, 11, 1)],
    ] as const) {
      const cal = compileCalendar({ timeZone: zone, week: everyDay([{ start: 0, end: 360 }]), holidays: [] });
      // From the evening before (local) to the evening of the change day.
      expect(businessTimeBetween(cal, spring - 6 * H, spring + 20 * H)).toBe(5 * H);
      expect(businessTimeBetween(cal, fall - 6 * H, fall + 20 * H)).toBe(7 * H);
    }
  });

  test('office hours stay 9-17 local on both sides of the change', () => {
    const bratislava = office('Europe/Bratislava');
    // Friday 2026-03-27 16:00 CET (15:00Z) + 2 h = Monday 10:00 CEST (08:00Z).
    expect(addBusinessMinutes(bratislava, utc(2026, 3, 27, 15), 120)).toBe(utc(2026, 3, 30, 8));
    const newYork = office('America/New_York');
    // Friday 2026-10-30 16:30 EDT (20:30Z) + 1 h = Monday 2026-11-02 09:30 EST (14:30Z).
    expect(addBusinessMinutes(newYork, utc(2026, 10, 30, 20, 30), 60)).toBe(utc(2026, 11, 2, 14, 30));
    expect(businessMinutesBetween(newYork, utc(2026, 10, 30, 20, 30), utc(2026, 11, 2, 14, 30))).toBe(60);
  });
});

describe('targets that span weeks', () => {
  test('100 business hours from a Monday morning', () => {
    const cal = office('UTC');
    expect(addBusinessMinutes(cal, utc(2026, 1, 5, 9), 100 * 60)).toBe(utc(2026, 1, 21, 13));
    const withHoliday = office('UTC', [{ date: '2026-01-12', yearly: false }]);
    expect(addBusinessMinutes(withHoliday, utc(2026, 1, 5, 9), 100 * 60)).toBe(utc(2026, 1, 22, 13));
    expect(businessMinutesBetween(withHoliday, utc(2026, 1, 5, 9), utc(2026, 1, 22, 13))).toBe(100 * 60);
  });

  test('a week with a DST change in the middle of the span', () => {
    const cal = office('Europe/Bratislava');
    // Monday 2026-03-16 09:00 CET (08:00Z) + 100 h = Wednesday 2026-04-01 13:00 CEST (11:00Z).
    expect(addBusinessMinutes(cal, utc(2026, 3, 16, 8), 100 * 60)).toBe(utc(2026, 4, 1, 11));
    expect(businessMinutesBetween(cal, utc(2026, 3, 16, 8), utc(2026, 4, 1, 11))).toBe(100 * 60);
  });

  test('104 weeks of office hours, through four DST changes, land on the same wall-clock time', () => {
    // July 4th falls on a weekend in 2026 and 2027; 2028's is after the due date.
    const cal = office('America/New_York', [{ date: '2000-07-04', yearly: true }]);
    const start = utc(2026, 6, 1, 13, 17); // Monday 09:17 EDT
    const due = addBusinessMinutes(cal, start, 104 * 40 * 60)!;
    expect(due).toBe(utc(2028, 5, 29, 13, 17));
    expect(businessMinutesBetween(cal, start, due)).toBe(104 * 40 * 60);
    // A holiday on a Monday in between moves it by one working day.
    const withHoliday = office('America/New_York', [{ date: '2027-01-18', yearly: false }]);
    expect(addBusinessMinutes(withHoliday, start, 104 * 40 * 60)).toBe(utc(2028, 5, 30, 13, 17));
  });
});

describe('calendars that never open', () => {
  test('no opening hours: no due time, no business time', () => {
    const cal = compileCalendar({ timeZone: 'UTC', week: everyDay([]), holidays: [] });
    expect(addBusinessMinutes(cal, utc(2026, 1, 1), 1)).toBeNull();
    expect(businessMinutesBetween(cal, utc(2026, 1, 1), utc(2027, 1, 1))).toBe(0);
  });

  test('open one day a year that is a holiday every year', () => {
    const cal = compileCalendar({
      timeZone: 'UTC',
      week: [[], [], [], [], [], [{ start: 0, end: 60 }], []],
      holidays: [],
    });
    // Only Fridays open; every Friday in a long range closed by one-off holidays is too many to list,
    // so close them all with yearly holidays of every date.
    const all: Holiday[] = [];
    for (let d = utc(2024, 1, 1); d < utc(2025, 1, 1); d += 24 * H)
      all.push({ date: new Date(d).toISOString().slice(0, 10), yearly: true });
    const closed = compileCalendar({
      timeZone: 'UTC',
      week: [[], [], [], [], [], [{ start: 0, end: 60 }], []],
      holidays: all,
    });
    expect(addBusinessMinutes(cal, utc(2026, 1, 1), 60)).toBe(utc(2026, 1, 2, 1));
    expect(addBusinessMinutes(closed, utc(2026, 1, 1), 60)).toBeNull();
  });

  test('an unknown zone counts in UTC', () => {
    expect(compileCalendar({ timeZone: 'Mars/Olympus', week: [], holidays: [] }).zone).toBe('UTC');
  });
});

/**
 * Reference: one minute at a time, asking Intl for each minute's wall clock. Slow and obviously
 * right; the module must agree with it on random calendars around DST changes.
 */
function openMinutes(spec: CalendarSpec, from: number, minutes: number): Uint8Array {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: spec.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const open = new Uint8Array(minutes);
  for (let i = 0; i < minutes; i++) {
    const p = Object.fromEntries(fmt.formatToParts(from + i * M).map((x) => [x.type, x.value]));
    const date = `${p.year}-${p.month}-${p.day}`;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const minuteOfDay = Number(p.hour) * 60 + Number(p.minute);
    const holiday = spec.holidays.some((h) => (h.yearly ? h.date.slice(5) === date.slice(5) : h.date === date));
    open[i] = !holiday && spec.week[weekday]!.some((w) => minuteOfDay >= w.start && minuteOfDay < w.end) ? 1 : 0;
  }
  return open;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

test.each([
  ['Europe/Bratislava', utc(2026, 3, 20), 1],
  ['Europe/Bratislava', utc(2026, 10, 17), 2],
  ['America/New_York', utc(2026, 3, 1), 3],
  ['America/New_York', utc(2026, 10, 25), 4],
  ['UTC', utc(2026, 12, 20), 5],
])('agrees with a minute-by-minute count in %s from %d', (timeZone, from, seed) => {
  const random = seeded(seed);
  // Interval ends on half hours outside 01:00-04:00, where a wall time may occur twice or never.
  const boundary = () =>
    [0, 30, 60, 240, 270, 300, 480, 540, 600, 720, 780, 1020, 1080, 1320, 1410, 1440][Math.floor(random() * 16)]!;
  const week = Array.from({ length: 7 }, () => {
    const day: WorkInterval[] = [];
    for (let n = Math.floor(random() * 3); n > 0; n--) {
      const a = boundary();
      const b = boundary();
      if (a !== b) day.push({ start: Math.min(a, b), end: Math.max(a, b) });
    }
    return day;
  });
  week[1] = [{ start: 540, end: 1020 }];
  const holidays: Holiday[] = [
    { date: new Date(from + 9 * 24 * H).toISOString().slice(0, 10), yearly: random() < 0.5 },
  ];
  const spec: CalendarSpec = { timeZone, week, holidays };
  const cal = compileCalendar(spec);
  const span = 28 * 24 * 60;
  const open = openMinutes(spec, from, span);
  const prefix = new Int32Array(span + 1);
  for (let i = 0; i < span; i++) prefix[i + 1] = prefix[i]! + open[i]!;
  for (let k = 0; k < 60; k++) {
    const a = Math.floor(random() * span);
    const b = a + Math.floor(random() * (span - a));
    expect(businessMinutesBetween(cal, from + a * M, from + b * M)).toBe(prefix[b]! - prefix[a]!);
    const amount = Math.floor(random() * (prefix[span]! - prefix[a]!));
    if (amount === 0) continue;
    // The due minute is the first minute after which `amount` open minutes have passed.
    let due = a;
    while (prefix[due]! - prefix[a]! < amount) due++;
    expect(addBusinessMinutes(cal, from + a * M, amount)).toBe(from + due * M);
  }
});
