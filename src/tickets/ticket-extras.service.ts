import type { CustomField } from '../custom-fields/custom-fields.repo';
import { listActiveFields, listFieldValues } from '../custom-fields/custom-fields.repo';
import { validateFieldValues } from '../custom-fields/field-values';
import type { Db } from '../db/db';
import { isUniqueViolation } from '../db/dialect';
import { withTransaction } from '../db/transaction';
import { ValidationError } from '../errors';
import { ticketForStaff, type StaffActor } from './staff-actions.service';
import { dueSchema, linkSchema, parseOrThrow, timeSchema } from './ticket-extras.schema';
import { storeOnceByKey, submissionKeyPattern } from '../idempotency/submission-once';
import {
  deleteLink,
  findDueAt,
  findTimeEntryByKey,
  insertLink,
  insertTimeEntry,
  linkExists,
  putFieldValue,
} from './ticket-extras.repo';
import type { TicketDeps } from './tickets.service';
import { findTicketById, findTicketByTrackingId, updateTicket, type TicketView } from './tickets.repo';
import { parseTrackingId } from './tracking-id';
import { zonedLocalToEpoch } from './zoned-time';

const staffActor = (staff: StaffActor) => ({ type: 'staff' as const, id: staff.id });

/**
 * The custom fields staff may edit on a ticket: every active field of its category (staff-only
 * and hidden ones too), plus any other field that already holds a value on it.
 */
export async function editableFields(
  db: Db,
  ticket: TicketView,
  /** The ticket's values when the caller has read them already (the ticket page). */
  knownValues?: ReadonlyArray<{ fieldId: number; value: string }>,
): Promise<{ fields: CustomField[]; values: Map<number, string> }> {
  const [all, current] = await Promise.all([listActiveFields(db), knownValues ?? listFieldValues(db, ticket.id)]);
  const values = new Map(current.map((v) => [v.fieldId, v.value]));
  const fields = all.filter(
    (f) => f.categoryIds === 'all' || f.categoryIds.includes(ticket.categoryId) || values.has(f.id),
  );
  return { fields, values };
}

/** A stored value as a person reads it (checkbox lists are stored as JSON). */
export function fieldText(field: { type: string }, value: string | null): string | null {
  if (value === null || field.type !== 'checkbox') return value;
  try {
    return (JSON.parse(value) as string[]).join(', ');
  } catch {
    return value;
  }
}

/**
 * Saves the custom field form, checked like the customer's form (types, options, lengths,
 * required fields). Each changed field is one event row with its old and new value.
 */
export async function updateFields(
  deps: TicketDeps,
  ticket: TicketView,
  staff: StaffActor,
  body: Record<string, unknown>,
): Promise<number> {
  const { fields, values: before } = await editableFields(deps.db, ticket);
  const checked = validateFieldValues(fields, body);
  if (Object.keys(checked.errors).length) throw new ValidationError('Check the fields.', checked.errors);
  const after = new Map(checked.values.map((v) => [v.fieldId, v.value]));
  const changed = fields.filter((f) => (before.get(f.id) ?? null) !== (after.get(f.id) ?? null));
  if (!changed.length) return 0;
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await updateTicket(trx, ticket.id, { updated_at: now });
    const view = (await findTicketById(trx, ticket.id))!;
    for (const f of changed) {
      const to = after.get(f.id) ?? null;
      await putFieldValue(trx, ticket.id, f.id, to);
      await deps.events.publish(
        trx,
        {
          type: 'ticket.field_changed',
          ticket: view,
          field: f.label,
          from: fieldText(f, before.get(f.id) ?? null),
          to: fieldText(f, to),
          actor: staffActor(staff),
        },
        now,
      );
    }
  });
  return changed.length;
}

// Due dates outside this window are typing mistakes (a year 20266, a year 26).
const earliestDue = Date.UTC(2000, 0, 1);
const latestDue = Date.UTC(2100, 0, 1);

/**
 * Sets or clears the due date. The form's wall-clock time is read in the help desk's time zone
 * (`tz`); an empty value clears it.
 */
export async function setDueDate(
  deps: TicketDeps,
  ticket: TicketView,
  staff: StaffActor,
  input: unknown,
  tz: string,
): Promise<void> {
  const { due } = parseOrThrow(dueSchema, input);
  const to = due === '' ? null : zonedLocalToEpoch(due, tz);
  if (to === null && due !== '') throw new ValidationError('Not a date and time.', { due: 'ticketExtras.due.invalid' });
  if (to !== null && (to < earliestDue || to >= latestDue))
    throw new ValidationError('Out of range.', { due: 'ticketExtras.due.range' });
  const from = await findDueAt(deps.db, ticket.id);
  if (from === to) return;
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    await updateTicket(trx, ticket.id, { due_at: to, updated_at: now });
    await deps.events.publish(
      trx,
      {
        type: 'ticket.due_changed',
        ticket: (await findTicketById(trx, ticket.id))!,
        from,
        to,
        actor: staffActor(staff),
      },
      now,
    );
  });
}

/** Logs minutes of work on the ticket with an optional note. */
export async function logTime(deps: TicketDeps, ticket: TicketView, staff: StaffActor, input: unknown): Promise<void> {
  const { minutes, note } = parseOrThrow(timeSchema, input, 'time_');
  const sent = (input as Record<string, unknown> | null)?.submission_key;
  // A second send of the same form (double click, refresh) logs nothing more.
  const earlier = async (key: string) => {
    const found = await findTimeEntryByKey(deps.db, key);
    return found ? { repeat: found.ticketId === ticket.id && found.staffId === staff.id, value: found.id } : undefined;
  };
  await storeOnceByKey(
    typeof sent === 'string' && submissionKeyPattern.test(sent) ? sent : null,
    earlier,
    (submissionKey) =>
      withTransaction(deps.db, async (trx) => {
        const now = deps.clock.now();
        const id = await insertTimeEntry(trx, {
          ticketId: ticket.id,
          staffId: staff.id,
          staffName: staff.name,
          minutes,
          note: note || null,
          submissionKey,
          now,
        });
        await updateTicket(trx, ticket.id, { updated_at: now });
        await deps.events.publish(
          trx,
          {
            type: 'ticket.time_logged',
            ticket: (await findTicketById(trx, ticket.id))!,
            minutes,
            note: note || null,
            actor: staffActor(staff),
          },
          now,
        );
        return id;
      }),
  );
}

/** The other ticket of a link form: found by tracking ID, and only if this person may see it. */
async function otherTicket(db: Db, staff: StaffActor, typed: string): Promise<TicketView> {
  const trackingId = parseTrackingId(typed);
  const found = trackingId ? await findTicketByTrackingId(db, trackingId) : undefined;
  const visible = found ? await ticketForStaff(db, staff, found.id).catch(() => undefined) : undefined;
  if (!visible) throw new ValidationError('No such ticket.', { link: 'ticketExtras.links.notFound' });
  return visible;
}

/** Links two related tickets; the link shows on both. Self links and duplicates are refused. */
export async function linkTickets(
  deps: TicketDeps,
  ticket: TicketView,
  staff: StaffActor,
  input: unknown,
): Promise<TicketView> {
  const { link } = parseOrThrow(linkSchema, input);
  const other = await otherTicket(deps.db, staff, link);
  if (other.id === ticket.id)
    throw new ValidationError('A ticket cannot be linked to itself.', { link: 'ticketExtras.links.self' });
  const duplicate = new ValidationError('Already linked.', { link: 'ticketExtras.links.duplicate' });
  if (await linkExists(deps.db, ticket.id, other.id)) throw duplicate;
  try {
    await withTransaction(deps.db, async (trx) => {
      const now = deps.clock.now();
      await insertLink(trx, ticket.id, other.id, staff.id, now);
      await deps.events.publish(
        trx,
        { type: 'ticket.linked', ticket, other: other.trackingId, actor: staffActor(staff) },
        now,
      );
      await deps.events.publish(
        trx,
        { type: 'ticket.linked', ticket: other, other: ticket.trackingId, actor: staffActor(staff) },
        now,
      );
    });
  } catch (err) {
    // Two people linking the same pair at once: the second meets the primary key.
    if (isUniqueViolation(err)) throw duplicate;
    throw err;
  }
  return other;
}

/** Removes a link; the other ticket must be one this person may see (else "not found"). */
export async function unlinkTickets(
  deps: TicketDeps,
  ticket: TicketView,
  staff: StaffActor,
  otherId: number,
): Promise<void> {
  const other = await ticketForStaff(deps.db, staff, otherId);
  await withTransaction(deps.db, async (trx) => {
    const now = deps.clock.now();
    if (!(await deleteLink(trx, ticket.id, other.id))) return;
    await deps.events.publish(
      trx,
      { type: 'ticket.unlinked', ticket, other: other.trackingId, actor: staffActor(staff) },
      now,
    );
    await deps.events.publish(
      trx,
      { type: 'ticket.unlinked', ticket: other, other: ticket.trackingId, actor: staffActor(staff) },
      now,
    );
  });
}
