import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import type { CalendarSpec } from './business-time';

export type CalendarRow = CalendarSpec & { id: number; name: string; isDefault: boolean; categoryIds: number[] };
type Raw = {
  id: number;
  name: string;
  time_zone: string;
  week: string;
  holidays: string;
  is_default: boolean | number;
};

const fromRaw = (r: Raw, categoryIds: number[]): CalendarRow => ({
  id: Number(r.id),
  name: r.name,
  timeZone: r.time_zone,
  week: JSON.parse(r.week) as CalendarSpec['week'],
  holidays: JSON.parse(r.holidays) as CalendarSpec['holidays'],
  isDefault: Boolean(r.is_default),
  categoryIds,
});

/** Every calendar with its categories (a handful of rows, read whole), the default first. */
export async function listCalendars(db: Knex): Promise<CalendarRow[]> {
  const [rows, links] = await Promise.all([
    db('sla_calendars')
      .orderBy([{ column: 'is_default', order: 'desc' }, { column: 'name' }, { column: 'id' }])
      .select<Raw[]>('id', 'name', 'time_zone', 'week', 'holidays', 'is_default'),
    db('sla_calendar_categories').select<Array<{ category_id: number; calendar_id: number }>>(
      'category_id',
      'calendar_id',
    ),
  ]);
  return rows.map((r) =>
    fromRaw(
      r,
      links.filter((l) => Number(l.calendar_id) === Number(r.id)).map((l) => Number(l.category_id)),
    ),
  );
}

export async function findCalendar(db: Knex, id: number): Promise<CalendarRow | undefined> {
  const row = await db('sla_calendars')
    .where({ id })
    .first<Raw | undefined>('id', 'name', 'time_zone', 'week', 'holidays', 'is_default');
  if (!row) return undefined;
  return fromRaw(
    row,
    (await db('sla_calendar_categories').where({ calendar_id: id }).pluck('category_id')).map(Number),
  );
}

/** The calendar a category counts in: its own, else the default; undefined when there is none. */
export async function calendarForCategory(db: Knex, categoryId: number | null): Promise<CalendarRow | undefined> {
  const own =
    categoryId === null
      ? undefined
      : await db('sla_calendar_categories')
          .where({ category_id: categoryId })
          .first<{ calendar_id: number } | undefined>('calendar_id');
  const row = await db('sla_calendars')
    .where(own ? { id: own.calendar_id } : { is_default: true })
    .first<Raw | undefined>('id', 'name', 'time_zone', 'week', 'holidays', 'is_default');
  return row ? fromRaw(row, []) : undefined;
}

export type CalendarWrite = {
  name: string;
  timeZone: string;
  week: CalendarSpec['week'];
  holidays: CalendarSpec['holidays'];
};

export async function insertCalendar(
  trx: Knex,
  c: CalendarWrite,
  now: number,
  submissionKey: string | null = null,
): Promise<number> {
  return insertReturningId(trx, 'sla_calendars', {
    name: c.name,
    time_zone: c.timeZone,
    week: JSON.stringify(c.week),
    holidays: JSON.stringify(c.holidays),
    is_default: false,
    submission_key: submissionKey,
    created_at: now,
    updated_at: now,
  });
}

/** The calendar a creating form's one-time key made, if any. */
export async function findCalendarIdBySubmissionKey(db: Knex, key: string): Promise<number | undefined> {
  const row = await db('sla_calendars').where({ submission_key: key }).first<{ id: number } | undefined>('id');
  return row ? Number(row.id) : undefined;
}

export async function updateCalendar(trx: Knex, id: number, c: CalendarWrite, now: number): Promise<void> {
  await trx('sla_calendars')
    .where({ id })
    .update({
      name: c.name,
      time_zone: c.timeZone,
      week: JSON.stringify(c.week),
      holidays: JSON.stringify(c.holidays),
      updated_at: now,
    });
}

/** Makes one calendar the default and every other one not. */
export async function setDefaultCalendar(trx: Knex, id: number): Promise<void> {
  await trx('sla_calendars').whereNot({ id }).andWhere({ is_default: true }).update({ is_default: false });
  await trx('sla_calendars').where({ id }).update({ is_default: true });
}

export async function hasDefaultCalendar(trx: Knex): Promise<boolean> {
  return (await trx('sla_calendars').where({ is_default: true }).first('id')) !== undefined;
}

export async function countCalendars(trx: Knex): Promise<number> {
  const [row] = await trx('sla_calendars').count<{ n: number | string }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** The categories given count in this calendar from now on (moved from any other), and no others. */
export async function replaceCalendarCategories(trx: Knex, calendarId: number, categoryIds: number[]): Promise<void> {
  await trx('sla_calendar_categories').where({ calendar_id: calendarId }).del();
  if (categoryIds.length === 0) return;
  await trx('sla_calendar_categories').whereIn('category_id', categoryIds).del();
  await trx('sla_calendar_categories').insert(
    categoryIds.map((category_id) => ({ category_id, calendar_id: calendarId })),
  );
}

export async function deleteCalendar(trx: Knex, id: number): Promise<void> {
  await trx('sla_calendar_categories').where({ calendar_id: id }).del();
  await trx('sla_policies').where({ calendar_id: id }).update({ calendar_id: null });
  await trx('sla_calendars').where({ id }).del();
}
