/**
 * A `datetime-local` value ("2026-11-24T15:30") is a wall-clock time without a zone. Staff
 * type it in the help desk's time zone (the `helpdesk.timezone` setting, UTC if unknown), so
 * these two functions convert between that wall clock and epoch milliseconds with the
 * platform's time zone data (Intl), DST included.
 */

const localPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

// Zones found valid, so a zone is checked once (building a formatter to check it is the cost).
const validZones = new Set<string>();
function knownZone(tz: string): string {
  if (validZones.has(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    if (validZones.size < 1000) validZones.add(tz);
    return tz;
  } catch {
    return 'UTC';
  }
}

// Building a formatter costs far more than using one; SLA clocks convert thousands of times.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
function wallClock(epochMs: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number } {
  const parts = formatterFor(tz).formatToParts(epochMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute') };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (minute precision). */
export function offsetAt(epochMs: number, tz: string): number {
  if (tz === 'UTC') return 0; // the default zone: no formatter, no cache key
  const minute = Math.floor(epochMs / 60_000);
  const key = `${tz} ${minute}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const w = wallClock(epochMs, tz);
    offset = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi) - minute * 60_000;
    if (offsets.size >= 20_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}
// Offsets by zone and minute: the SLA clocks of one calendar ask for the same day starts over and over.
const offsets = new Map<string, number>();

/**
 * The instant a wall-clock time in `tz` names, or null for text that is not a valid
 * `YYYY-MM-DDTHH:MM`. A time skipped by a DST jump lands just after the jump.
 */
export function zonedLocalToEpoch(local: string, tz: string): number | null {
  const m = localPattern.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(asUtc).getUTCDate() !== d) return null; // 31 February and the like
  return wallToEpoch(asUtc, knownZone(tz));
}

/**
 * The instant of a wall-clock time given as if it were UTC milliseconds (`Date.UTC(...)` of the
 * local fields) in a known zone. A time skipped by a DST jump lands just after the jump.
 */
export function wallToEpoch(wallAsUtc: number, zone: string): number {
  // The offset at the guess may differ from the offset at the answer across a DST change.
  const epoch = wallAsUtc - offsetAt(wallAsUtc, zone);
  return wallAsUtc - offsetAt(epoch, zone);
}

/** The `datetime-local` value of an instant in `tz`. */
export function epochToZonedLocal(epochMs: number, tz: string): string {
  const w = wallClock(epochMs, knownZone(tz));
  const pad = (n: number, len = 2) => String(n).padStart(len, '0');
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}`;
}

/** The zone actually used for a setting value (UTC when the setting names no known zone). */
export const effectiveZone = knownZone;
