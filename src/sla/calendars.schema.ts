import { z } from 'zod';
import { isTimeZone } from '../settings/settings.schema';
import type { Holiday, WorkInterval } from './business-time';

/** Form fields of the week schedule, Monday first as people read a week; value = `Date#getUTCDay`. */
export const weekdayFields = [
  ['mon', 1],
  ['tue', 2],
  ['wed', 3],
  ['thu', 4],
  ['fri', 5],
  ['sat', 6],
  ['sun', 0],
] as const;

const hhmm = /^([01]?\d|2[0-4]):([0-5]\d)$/;
const minutesOf = (text: string): number | null => {
  const m = hhmm.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : null;
};

/** "09:00-12:00, 13:00-17:00" (empty: closed) to ordered intervals; null when not readable. */
export function parseDayHours(text: string): WorkInterval[] | null {
  const parts = text
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: WorkInterval[] = [];
  for (const part of parts) {
    const [a, b, extra] = part.split(/\s*[-–]\s*/);
    if (a === undefined || b === undefined || extra !== undefined) return null;
    const start = minutesOf(a);
    const end = minutesOf(b);
    if (start === null || end === null || end <= start) return null;
    out.push({ start, end });
  }
  out.sort((x, y) => x.start - y.start);
  for (let i = 1; i < out.length; i++) if (out[i]!.start < out[i - 1]!.end) return null;
  return out;
}

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
export const formatDayHours = (day: readonly WorkInterval[]): string =>
  day.map((i) => `${clock(i.start)}-${clock(i.end)}`).join(', ');

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const monthDay = /^(\d{2})-(\d{2})$/;
/** A leap year, so 29 February can repeat (it closes only the years that have it). */
const yearlyYear = '2000';
const realDate = (y: string, m: string, d: string) => {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
};

/** One holiday per line: `2026-04-06` closes that date, `12-24` closes 24 December every year. */
export function parseHolidays(text: string): Holiday[] | null {
  const out: Holiday[] = [];
  for (const line of text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const token = line.split(/\s+/)[0]!;
    const full = isoDate.exec(token);
    const yearly = monthDay.exec(token);
    if (full && realDate(full[1]!, full[2]!, full[3]!)) out.push({ date: token, yearly: false });
    else if (yearly && realDate(yearlyYear, yearly[1]!, yearly[2]!))
      out.push({ date: `${yearlyYear}-${token}`, yearly: true });
    else return null;
  }
  return out;
}

export const formatHolidays = (holidays: readonly Holiday[]): string =>
  holidays.map((h) => (h.yearly ? h.date.slice(5) : h.date)).join('\n');

const text = (max: number, tooLong: string) => z.string({ error: 'form.invalid' }).max(max, tooLong);
const idList = z
  .union([z.string(), z.array(z.string())], { error: 'form.invalid' })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^\d{1,9}$/, 'form.invalid')
          .transform(Number),
      )
      .max(1000, 'form.invalid'),
  );

/** The calendar form: name, zone, a text field per weekday, holidays, default, categories. */
export const calendarSchema = z
  .object({
    name: text(100, 'sla.errors.nameTooLong')
      .transform((s) => s.trim())
      .pipe(z.string().min(1, 'sla.errors.nameRequired')),
    time_zone: text(64, 'sla.errors.timeZone').refine((tz) => tz !== '' && isTimeZone(tz), 'sla.errors.timeZone'),
    mon: text(200, 'sla.errors.hours').default(''),
    tue: text(200, 'sla.errors.hours').default(''),
    wed: text(200, 'sla.errors.hours').default(''),
    thu: text(200, 'sla.errors.hours').default(''),
    fri: text(200, 'sla.errors.hours').default(''),
    sat: text(200, 'sla.errors.hours').default(''),
    sun: text(200, 'sla.errors.hours').default(''),
    holidays: text(20_000, 'sla.errors.holidaysTooMany').default(''),
    is_default: z.enum(['yes'], { error: 'form.invalid' }).optional(),
    categories: idList,
  })
  .transform((form, ctx) => {
    const week: WorkInterval[][] = [[], [], [], [], [], [], []];
    for (const [field, day] of weekdayFields) {
      const hours = parseDayHours(form[field]);
      if (hours === null) ctx.addIssue({ code: 'custom', path: [field], message: 'sla.errors.hours' });
      else week[day] = hours;
    }
    if (week.every((d) => d.length === 0) && weekdayFields.every(([f]) => parseDayHours(form[f]) !== null)) {
      ctx.addIssue({ code: 'custom', path: ['mon'], message: 'sla.errors.neverOpen' });
    }
    const holidays = parseHolidays(form.holidays);
    if (holidays === null) ctx.addIssue({ code: 'custom', path: ['holidays'], message: 'sla.errors.holiday' });
    else if (holidays.length > 500)
      ctx.addIssue({ code: 'custom', path: ['holidays'], message: 'sla.errors.holidaysTooMany' });
    return {
      name: form.name,
      timeZone: form.time_zone,
      week,
      holidays: holidays ?? [],
      isDefault: form.is_default === 'yes',
      categoryIds: [...new Set(form.categories)],
    };
  });

export type CalendarInput = z.output<typeof calendarSchema>;
