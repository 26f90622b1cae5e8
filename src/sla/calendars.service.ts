import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import { existingCategoryIds } from '../custom-fields/fields-admin.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { bumpSlaRevision } from './clocks.repo';
import { createOnce } from './created-once';
import {
  countCalendars,
  findCalendarIdBySubmissionKey,
  deleteCalendar,
  findCalendar,
  hasDefaultCalendar,
  insertCalendar,
  replaceCalendarCategories,
  setDefaultCalendar,
  updateCalendar,
  type CalendarRow,
} from './calendars.repo';
import { calendarSchema, formatDayHours, formatHolidays, weekdayFields } from './calendars.schema';

export async function calendarForAdmin(db: Db, id: number): Promise<CalendarRow> {
  const calendar = Number.isSafeInteger(id) ? await findCalendar(db, id) : undefined;
  if (!calendar) throw new NotFoundError();
  return calendar;
}

/** The form's values: a calendar's, or a new one's (office hours Monday to Friday in the desk's zone). */
export function calendarFormValues(calendar: CalendarRow | null, deskZone: string): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {
    name: calendar?.name ?? '',
    time_zone: calendar?.timeZone ?? deskZone,
    holidays: calendar ? formatHolidays(calendar.holidays) : '',
    is_default: calendar?.isDefault ? 'yes' : '',
    categories: (calendar?.categoryIds ?? []).map(String),
  };
  for (const [field, day] of weekdayFields)
    values[field] = calendar ? formatDayHours(calendar.week[day] ?? []) : day >= 1 && day <= 5 ? '09:00-17:00' : '';
  return values;
}

/**
 * Creates or changes a calendar. The first calendar becomes the default whatever the box says,
 * so tickets always have one to count in; making one the default takes it from the others.
 */
export async function saveCalendar(
  db: Db,
  actor: AdminActor,
  id: number | null,
  input: unknown,
  now: number,
): Promise<number> {
  const parsed = calendarSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The calendar is not valid.', fieldErrors(parsed.error));
  const c = parsed.data;
  const write = (submissionKey: string | null) =>
    withTransaction(db, async (trx) => {
      const known = new Set(await existingCategoryIds(trx));
      if (c.categoryIds.some((cid) => !known.has(cid)))
        throw new ValidationError('Unknown category.', { categories: 'form.invalid' });
      let calendarId: number;
      if (id === null) calendarId = await insertCalendar(trx, c, now, submissionKey);
      else {
        if (!Number.isSafeInteger(id) || !(await findCalendar(trx, id))) throw new NotFoundError();
        calendarId = id;
        await updateCalendar(trx, id, c, now);
      }
      if (c.isDefault || !(await hasDefaultCalendar(trx))) await setDefaultCalendar(trx, calendarId);
      await replaceCalendarCategories(trx, calendarId, c.categoryIds);
      await bumpSlaRevision(trx, now);
      await recordAudit(
        trx,
        {
          actor,
          action: 'sla.calendar_saved',
          target: { type: 'sla_calendar', id: calendarId },
          details: { name: c.name, timeZone: c.timeZone },
          ip: actor.ip ?? undefined,
        },
        now,
      );
      return calendarId;
    });
  return id === null ? createOnce(input, (key) => findCalendarIdBySubmissionKey(db, key), write) : write(null);
}

/** Removes a calendar; the default goes only when it is the last one (another must take its place first). */
export async function removeCalendar(db: Db, actor: AdminActor, id: number, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    const calendar = Number.isSafeInteger(id) ? await findCalendar(trx, id) : undefined;
    if (!calendar) throw new NotFoundError();
    if (calendar.isDefault && (await countCalendars(trx)) > 1)
      throw new ValidationError('Make another calendar the default first.', { is_default: 'sla.errors.defaultInUse' });
    await deleteCalendar(trx, id);
    await bumpSlaRevision(trx, now);
    await recordAudit(
      trx,
      {
        actor,
        action: 'sla.calendar_removed',
        target: { type: 'sla_calendar', id },
        details: { name: calendar.name },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
