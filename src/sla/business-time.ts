/**
 * Business-hours arithmetic for SLA clocks: a calendar is an IANA time zone, a week schedule
 * (several opening intervals per weekday, in local wall-clock minutes) and holidays (local
 * dates, optionally repeating every year). Business time is real elapsed time inside opening
 * hours, so a schedule interval that spans a DST jump is an hour shorter or longer that day.
 *
 * Pure and synchronous: no database, no clock. Work is done per local day, and a whole week is
 * skipped at once when it holds no holiday and no DST change, so a target weeks away costs a
 * handful of steps, never a loop over minutes.
 */
import { effectiveZone, offsetAt, wallToEpoch } from '../tickets/zoned-time';
import { DAY } from '../clock';

const MINUTE = 60_000;
/** After this many local days without one open minute, a target can never be reached. */
const MAX_CLOSED_DAYS = 370;

/** Opening hours of one day: minutes after local midnight, 0 <= start < end <= 1440. */
export type WorkInterval = { start: number; end: number };
/** A closed local date `YYYY-MM-DD`; `yearly` closes the same month and day every year. */
export type Holiday = { date: string; yearly: boolean };
export type CalendarSpec = {
  timeZone: string;
  /** Seven entries, index 0 = Sunday ... 6 = Saturday (as `Date#getUTCDay`). */
  week: WorkInterval[][];
  holidays: Holiday[];
};

export type BusinessCalendar = {
  readonly zone: string;
  readonly week: readonly WorkInterval[][];
  /** Open time of a plain week (no holiday, no DST change), ms. */
  readonly weekMs: number;
  readonly closedDates: ReadonlySet<string>;
  readonly closedEveryYear: ReadonlySet<string>;
};

/** Sorted, merged, clipped to the day; empty and reversed intervals dropped. */
function normalizeDay(intervals: WorkInterval[] | undefined): WorkInterval[] {
  const clipped = (intervals ?? [])
    .map((i) => ({
      start: Math.max(0, Math.min(1440, Math.floor(i.start))),
      end: Math.max(0, Math.min(1440, Math.floor(i.end))),
    }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  const merged: WorkInterval[] = [];
  for (const i of clipped) {
    const last = merged[merged.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
  }
  return merged;
}

export function compileCalendar(spec: CalendarSpec): BusinessCalendar {
  const week = Array.from({ length: 7 }, (_, d) => normalizeDay(spec.week[d]));
  const weekMs = week.reduce((sum, day) => sum + day.reduce((s, i) => s + (i.end - i.start) * MINUTE, 0), 0);
  const closedDates = new Set<string>();
  const closedEveryYear = new Set<string>();
  for (const h of spec.holidays) {
    if (h.yearly) closedEveryYear.add(h.date.slice(5, 10));
    else closedDates.add(h.date);
  }
  return { zone: effectiveZone(spec.timeZone), week, weekMs, closedDates, closedEveryYear };
}

/** Local day number (days since 1970-01-01 on the zone's wall clock) of an instant. */
function localDay(cal: BusinessCalendar, epochMs: number): number {
  return Math.floor((epochMs + offsetAt(epochMs, cal.zone)) / DAY);
}

function isHoliday(cal: BusinessCalendar, day: number): boolean {
  // Most calendars name no holiday: a clock shown weeks overdue asks for every day in between.
  if (cal.closedDates.size === 0 && cal.closedEveryYear.size === 0) return false;
  const iso = new Date(day * DAY).toISOString().slice(0, 10);
  return cal.closedDates.has(iso) || cal.closedEveryYear.has(iso.slice(5));
}

/**
 * The first instant whose wall clock shows `wall` or later. A wall time skipped by a DST jump
 * (an opening at 02:30 on the spring-forward night) opens at the jump itself.
 */
function instantOfWall(wall: number, zone: string): number {
  const guess = wallToEpoch(wall, zone);
  if (guess + offsetAt(guess, zone) === wall) return guess;
  // Invariant: the wall clock at `lo` is before `wall`, at `hi` at or after it; offsets change on whole minutes.
  let lo = guess - 3 * 3_600_000;
  let hi = guess;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (mid + offsetAt(mid, zone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The open spans of a local day as instants [start, end), in order. */
function openSpans(cal: BusinessCalendar, day: number): Array<[number, number]> {
  const intervals = cal.week[new Date(day * DAY).getUTCDay()]!;
  if (intervals.length === 0 || isHoliday(cal, day)) return [];
  const base = day * DAY;
  const dayStart = wallToEpoch(base, cal.zone);
  const offset = offsetAt(dayStart, cal.zone);
  // Without a DST change inside the day one offset converts every wall time of it.
  const steady = offsetAt(wallToEpoch(base + DAY, cal.zone), cal.zone) === offset;
  const toEpoch = (minute: number) =>
    steady ? base + minute * MINUTE - offset : instantOfWall(base + minute * MINUTE, cal.zone);
  const spans: Array<[number, number]> = [];
  for (const i of intervals) {
    const start = toEpoch(i.start);
    const end = toEpoch(i.end);
    if (end > start) spans.push([start, end]);
  }
  return spans;
}

/** Start instant of a local day, and whether the seven days from it are a plain week. */
function weekFrom(cal: BusinessCalendar, day: number): { start: number; plain: boolean } {
  const start = wallToEpoch(day * DAY, cal.zone);
  const offset = offsetAt(start, cal.zone);
  for (let k = 0; k < 7; k++) {
    if (isHoliday(cal, day + k)) return { start, plain: false };
    if (offsetAt(start + (k + 1) * DAY, cal.zone) !== offset) return { start, plain: false };
  }
  return { start, plain: true };
}

/**
 * The instant at which `amountMs` of business time has passed since `startMs`; counting starts
 * at the next opening when `startMs` is outside business hours. Null when the calendar never
 * opens again (no opening hours at all, or a year of closed days).
 */
export function addBusinessTime(cal: BusinessCalendar, startMs: number, amountMs: number): number | null {
  if (amountMs <= 0) return startMs;
  if (cal.weekMs === 0) return null;
  let remaining = amountMs;
  let day = localDay(cal, startMs);
  const from = startMs;
  let closedDays = 0;
  for (;;) {
    // Strictly more than a week left: the answer lies after the skipped week, never at its end.
    if (remaining > cal.weekMs) {
      const week = weekFrom(cal, day);
      if (week.plain && week.start >= from) {
        remaining -= cal.weekMs;
        day += 7;
        closedDays = 0;
        continue;
      }
    }
    let open = false;
    for (const [s, e] of openSpans(cal, day)) {
      if (e <= from) continue;
      open = true;
      const begin = Math.max(s, from);
      if (begin + remaining <= e) return begin + remaining;
      remaining -= e - begin;
    }
    closedDays = open ? 0 : closedDays + 1;
    if (closedDays > MAX_CLOSED_DAYS) return null;
    day += 1;
  }
}

/** Business time between two instants, ms; negative when `toMs` is before `fromMs`. */
export function businessTimeBetween(cal: BusinessCalendar, fromMs: number, toMs: number): number {
  if (toMs < fromMs) return -businessTimeBetween(cal, toMs, fromMs);
  if (cal.weekMs === 0) return 0;
  let total = 0;
  const lastDay = localDay(cal, toMs);
  for (let day = localDay(cal, fromMs); day <= lastDay; ) {
    if (lastDay - day >= 7) {
      const week = weekFrom(cal, day);
      if (week.plain && week.start >= fromMs && week.start + 7 * DAY <= toMs) {
        total += cal.weekMs;
        day += 7;
        continue;
      }
    }
    for (const [s, e] of openSpans(cal, day)) total += Math.max(0, Math.min(e, toMs) - Math.max(s, fromMs));
    day += 1;
  }
  return total;
}

export function addBusinessMinutes(cal: BusinessCalendar, startMs: number, minutes: number): number | null {
  return addBusinessTime(cal, startMs, minutes * MINUTE);
}

export function businessMinutesBetween(cal: BusinessCalendar, fromMs: number, toMs: number): number {
  return businessTimeBetween(cal, fromMs, toMs) / MINUTE;
}
