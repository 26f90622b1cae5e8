import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { bumpSlaRevision } from '../sla/clocks.repo';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { LanguageCode } from '../i18n/i18n';
import { hexColour } from './colours';
import { fieldErrors, formFromNames, namesFromForm, namesSchema, parseNames, storeNames } from './localized';
import {
  deleteState,
  findState,
  insertState,
  keyTaken,
  listStates,
  stateInUse,
  updateState,
  type StateKind,
  type StateRow,
  type StateWrite,
} from './ticket-states.repo';

export type { StateKind, StateRow };

function stateSchema(kind: StateKind, defaultLanguage: LanguageCode) {
  return namesSchema('name', 64, defaultLanguage).and(
    z.object({
      color: z
        .string({ error: 'form.invalid' })
        .trim()
        .toLowerCase()
        .regex(hexColour, { error: 'catalog.errors.colour' }),
      sort_order: z
        .string({ error: 'form.invalid' })
        .trim()
        .regex(/^-?\d{1,5}$/, { error: 'catalog.errors.order' })
        .transform(Number)
        .optional()
        .default(0),
      ...(kind === 'status'
        ? {
            counts_as: z.enum(['open', 'closed'], { error: 'form.invalid' }).optional().default('open'),
            customer_settable: z.enum(['yes', ''], { error: 'form.invalid' }).optional(),
            pauses_sla: z.enum(['yes', ''], { error: 'form.invalid' }).optional(),
          }
        : {}),
    }),
  );
}

export const listTicketStates = (db: Db, kind: StateKind) => listStates(db, kind);

export async function ticketStateForAdmin(db: Db, kind: StateKind, id: number): Promise<StateRow> {
  const row = Number.isSafeInteger(id) && id > 0 ? await findState(db, kind, id) : undefined;
  if (!row) throw new NotFoundError();
  return row;
}

export function ticketStateFormValues(row: StateRow | null, defaultLanguage: string): Record<string, string> {
  if (!row)
    return {
      ...formFromNames({}, 'name', '', defaultLanguage),
      color: '#2563eb',
      sort_order: '0',
      counts_as: 'open',
      customer_settable: '',
      pauses_sla: '',
    };
  return {
    ...formFromNames(parseNames(row.names), 'name', row.name, defaultLanguage),
    color: row.color,
    sort_order: String(row.sort_order),
    counts_as: row.is_open ? 'open' : 'closed',
    customer_settable: row.customer_settable ? 'yes' : '',
    pauses_sla: row.pauses_sla ? 'yes' : '',
  };
}

/** A key for URLs and filters from the name: letters and digits only, unique in its table. */
async function newKey(db: Db, kind: StateKind, name: string): Promise<string> {
  const base = (name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24) || kind) as string;
  for (let n = 1; ; n++) {
    const key = n === 1 ? base : `${base}_${n}`;
    if (!(await keyTaken(db, kind, key))) return key;
  }
}

/**
 * Creates or changes a status or priority. Built-in ones may be renamed, recoloured and
 * reordered, but a built-in status keeps whether it counts as open: the help desk's own rules
 * (new tickets, replies, resolving) rely on it.
 */
export async function saveTicketState(
  db: Db,
  actor: AdminActor,
  kind: StateKind,
  id: number | null,
  input: unknown,
  defaultLanguage: LanguageCode,
  now: number,
): Promise<number> {
  const parsed = stateSchema(kind, defaultLanguage).safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the entry.', fieldErrors(parsed.error));
  const v = parsed.data as Record<string, unknown> & {
    color: string;
    sort_order: number;
    counts_as?: 'open' | 'closed';
    customer_settable?: 'yes' | '';
    pauses_sla?: 'yes' | '';
  };
  const names = namesFromForm(v as Record<string, string>, 'name');
  return withTransaction(db, async (trx) => {
    const before = id === null ? null : await findState(trx, kind, id);
    if (id !== null && !before) throw new NotFoundError();
    const row: StateWrite = {
      name: names[defaultLanguage]!,
      names: storeNames(names),
      color: v.color,
      sort_order: v.sort_order,
    };
    if (kind === 'status') {
      row.is_open = before?.is_builtin ? Boolean(before.is_open) : v.counts_as !== 'closed';
      row.customer_settable = v.customer_settable === 'yes';
      row.pauses_sla = v.pauses_sla === 'yes';
    }
    const savedId = id ?? (await insertState(trx, kind, await newKey(trx, kind, row.name), row));
    if (id !== null) await updateState(trx, kind, id, row);
    // Tickets in a status that now pauses (or no longer does) get their SLA clocks recomputed by the resync job.
    if (before && kind === 'status' && Boolean(before.pauses_sla) !== row.pauses_sla) await bumpSlaRevision(trx, now);
    await recordAudit(
      trx,
      {
        actor,
        action: `${kind}.${id === null ? 'created' : 'changed'}`,
        target: { type: kind, id: savedId },
        details: { before, after: row },
        ip: actor.ip ?? undefined,
      },
      now,
    );
    return savedId;
  });
}

/** Only custom entries that no ticket uses may go; built-in ones stay (they can be renamed). */
export async function deleteTicketState(
  db: Db,
  actor: AdminActor,
  kind: StateKind,
  id: number,
  now: number,
): Promise<void> {
  if (!Number.isSafeInteger(id)) throw new NotFoundError();
  await withTransaction(db, async (trx) => {
    const row = await findState(trx, kind, id);
    if (!row) throw new NotFoundError();
    if (row.is_builtin) throw new ConflictError('builtin', 'Built-in entries cannot be deleted.');
    if (await stateInUse(trx, kind, id)) throw new ConflictError('in_use', 'Tickets still use this entry.');
    await deleteState(trx, kind, id);
    await recordAudit(
      trx,
      {
        actor,
        action: `${kind}.deleted`,
        target: { type: kind, id },
        details: { before: row },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
