import { clocksForDisplay, type ClockDisplay } from '../../sla/sla-clocks';
import { ticketRatings } from '../../csat/csat.service';
import type { Request } from 'express';
import type { CatalogNames } from '../../catalog/catalog.service';
import type { CustomField } from '../../custom-fields/custom-fields.repo';
import { draftOf, signatureOf, whoElseIsHere } from '../../tickets/reply-desk.service';
import { editableFields } from '../../tickets/ticket-extras.service';
import { findDueAt, listLinkedTickets, listTimeEntries, namesForHistory } from '../../tickets/ticket-extras.repo';
import type { TicketEventRow } from '../../tickets/ticket-events.repo';
import type { TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId } from '../../tickets/tracking-id';
import { formatDateTime } from '../../i18n/date-time';
import { effectiveZone, epochToZonedLocal } from '../../tickets/zoned-time';
import type { Services } from '../app-services';

/** What a re-shown ticket page keeps from the form that was refused (or from a collision). */
export type ExtrasState = {
  values?: Record<string, unknown>;
  collisionAfter?: number; // the id the person had seen: newer messages are marked as new
  addSignature?: boolean;
  replyStatus?: string;
};

type T = Request['t'];
const notices = ['fields', 'due', 'time', 'linked', 'unlinked', 'draft'];
const actorOf = (req: Request) => ({ id: req.user!.id, name: req.user!.name, isAdmin: req.user!.isAdmin });

export function formatMinutes(t: T, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? t('ticketExtras.time.hoursMinutes', { h, m }) : t('ticketExtras.time.minutesOnly', { m });
}

/** An instant in the desk's zone, as toLocaleString writes it, with the formatter built once (formatDateTime). */
export function formatInstant(req: Request, epoch: number, tz: string, style: 'short' | 'medium' = 'medium'): string {
  return formatDateTime(epoch, req.language || 'en', style, 'short', effectiveZone(tz));
}

/** What the presenter needs of an event: the ticket's history and the dashboard's latest activity both give this. */
export type EventToDescribe = Pick<TicketEventRow, 'type' | 'actorType' | 'actorName' | 'data' | 'createdAt'>;

/** The staff an escalation told (notify actions) or handed the ticket to (reassign). */
function escalationStaffIds(data: Record<string, unknown>): number[] {
  if (Array.isArray(data.staffIds)) return data.staffIds.map(Number);
  return data.action === 'reassign' && data.done !== false && typeof data.detail === 'number' ? [data.detail] : [];
}

/**
 * Events in words, the same on the ticket's history and the dashboard's latest activity: a label
 * for every event type, names instead of ids (owner, category), translated statuses and
 * priorities, dates in the desk's zone, and who did it (`customerName` names a customer actor
 * the event row does not name).
 */
export async function describeEvents<E extends EventToDescribe>(
  services: Services,
  req: Request,
  events: E[],
  tz: string,
  customerName: (e: E) => string | null = () => null,
) {
  const t = req.t;
  const ids = (type: string) =>
    events
      .filter((e) => e.type === type)
      .flatMap((e) => [e.data.from, e.data.to])
      .filter((v): v is number => typeof v === 'number');
  const escalatedTo = events.filter((e) => e.type === 'sla.escalated').flatMap((e) => escalationStaffIds(e.data));
  const names = await namesForHistory(
    services.db,
    [...ids('ticket.assigned'), ...escalatedTo],
    ids('ticket.category_changed'),
  );
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));
  // Admin-given names in the viewer's language where the catalog is there (views' locals).
  const catalog = req.res?.locals.names as CatalogNames | undefined;
  const status = (v: unknown) => catalog?.status(text(v), text(v)) ?? t(`status.${text(v)}`, { defaultValue: text(v) });
  const priority = (v: unknown) =>
    catalog?.priority(text(v), text(v)) ?? t(`priority.${text(v)}`, { defaultValue: text(v) });
  const detail = (e: EventToDescribe): string | null => {
    const { from, to } = e.data;
    switch (e.type) {
      case 'ticket.status_changed':
        return `${status(from)} → ${status(to)}`;
      case 'ticket.priority_changed':
        return `${priority(from)} → ${priority(to)}`;
      case 'ticket.assigned': {
        const who = (v: unknown) =>
          v === null
            ? t('staffList.unassigned')
            : (names.staff.get(Number(v)) ?? t('ticketExtras.history.formerStaff'));
        return `${who(from)} → ${who(to)}`;
      }
      case 'ticket.category_changed': {
        const cat = (v: unknown) => {
          const stored = names.categories.get(Number(v));
          return stored === undefined
            ? t('ticketExtras.history.formerCategory')
            : (catalog?.category(Number(v), stored) ?? stored);
        };
        return `${cat(from)} → ${cat(to)}`;
      }
      case 'ticket.merged':
        return `${formatTrackingId(text(from))} → ${formatTrackingId(text(to))}`;
      case 'ticket.due_changed': {
        const when = (v: unknown) =>
          typeof v === 'number' ? formatInstant(req, v, tz, 'short') : t('ticketExtras.due.none');
        return `${when(from)} → ${when(to)}`;
      }
      case 'ticket.field_changed':
        return `${text(e.data.field)}: ${text(from)} → ${text(to)}`;
      case 'ticket.time_logged':
        return formatMinutes(t, Number(e.data.minutes)) + (e.data.note ? ` — ${text(e.data.note)}` : '');
      case 'ticket.linked':
      case 'ticket.unlinked':
      case 'mail.forged_reference':
        return formatTrackingId(text(e.data.other));
      case 'ticket.tag_added':
      case 'ticket.tag_removed':
        return text(e.data.tag);
      case 'sla.met':
      case 'sla.breached':
        return (
          t(`sla.kinds.${text(e.data.kind)}`, { defaultValue: text(e.data.kind) }) +
          (e.data.late === true ? ` (${t('sla.clock.late')})` : '')
        );
      case 'ticket.satisfaction_rated':
        return t('csat.rated', { rating: Number(e.data.rating) });
      case 'sla.escalated': {
        const target = t(`sla.kinds.${text(e.data.kind)}`, { defaultValue: text(e.data.kind) });
        const when =
          Number(e.data.percent) >= 100
            ? t('slaEscalations.atBreach', { target })
            : t('slaEscalations.atPercent', { target, percent: Number(e.data.percent) });
        const what = t(`slaEscalations.actions.${text(e.data.action)}`, { defaultValue: text(e.data.action) });
        const whom = escalationStaffIds(e.data)
          .map((id) => names.staff.get(id) ?? t('ticketExtras.history.formerStaff'))
          .join(', ');
        return (
          `${when} — ${what}` +
          (whom ? `: ${whom}` : '') +
          (e.data.done === false
            ? ` (${t(`slaEscalations.skipped.${text(e.data.why)}`, { defaultValue: text(e.data.why) })})`
            : '')
        );
      }
      case 'mail.failed':
      case 'mail.resent':
        return text(e.data.address);
      default:
        return from !== undefined || to !== undefined ? `${text(from)} → ${text(to)}` : null;
    }
  };
  return events.map((e) => {
    const key = e.type.replace('.', '_');
    return {
      createdAt: e.createdAt,
      label: t(`ticketExtras.event.${key}`, {
        defaultValue: t(`event.${key}`, { defaultValue: t(`activity.event.${key}`, { defaultValue: e.type }) }),
      }),
      detail: detail(e),
      reason: typeof e.data.reason === 'string' ? e.data.reason : null,
      actor:
        e.actorName ??
        (e.actorType === 'customer' ? customerName(e) : null) ??
        t(`event.actor_${e.actorType}`, { defaultValue: e.actorType }),
    };
  });
}

/** The form values of the custom field editor: what was typed (when refused) or what is stored. */
function fieldFormValues(
  fields: CustomField[],
  stored: Map<number, string>,
  kept: Record<string, unknown> | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of fields) {
    const name = `field_${f.id}`;
    const typed = kept?.[name];
    if (kept && (typeof typed === 'string' || Array.isArray(typed))) out[name] = typed as string | string[];
    else if (kept && f.type === 'checkbox') out[name] = [];
    else {
      const v = stored.get(f.id) ?? '';
      out[name] = f.type === 'checkbox' ? (v ? (JSON.parse(v) as string[]) : []) : v;
    }
  }
  return out;
}

/** The ticket's SLA clocks in words: time left in business hours, or when met or breached. */
function slaForPage(req: Request, clocks: ClockDisplay[], zone: string) {
  return clocks.map((c) => {
    const left = formatMinutes(req.t, Math.floor(Math.abs(c.leftMs) / 60_000));
    const text =
      c.state === 'running'
        ? req.t('sla.clock.left', { left, due: formatInstant(req, c.dueAt!, zone, 'short') })
        : c.state === 'paused'
          ? req.t('sla.clock.paused', { left })
          : // When it fell due, not only how long ago: at the moment of a breach "0 min over" said nothing.
            c.state === 'breached'
            ? req.t('sla.clock.breached', { over: left, due: formatInstant(req, (c.dueAt ?? c.at)!, zone, 'short') })
            : c.state === 'stopped'
              ? req.t('sla.clock.stopped', { at: formatInstant(req, c.at!, zone, 'short') })
              : req.t(c.state === 'metLate' ? 'sla.clock.metLate' : 'sla.clock.met', {
                  at: formatInstant(req, c.at!, zone, 'short'),
                });
    return { kind: c.kind, state: c.state, label: req.t(`sla.kinds.${c.kind}`), text };
  });
}

/** What the ticket page has read already and its extra parts use too (each read once per page view). */
type PageReads = {
  /** The categories the viewer sees. */
  visible: number[] | 'all';
  fieldValues: ReadonlyArray<{ fieldId: number; value: string }>;
};

/** Everything the ticket page's extra parts need, read in parallel. */
export async function ticketExtrasView(
  services: Services,
  req: Request,
  ticket: TicketView,
  events: TicketEventRow[],
  read: PageReads,
  state: ExtrasState = {},
) {
  const staff = actorOf(req);
  const tz = await services.settings.get('helpdesk.timezone');
  const zone = effectiveZone(tz);
  const now = services.clock.now();
  const [dueAt, entries, linked, editable, draft, signature, present, history] = await Promise.all([
    findDueAt(services.db, ticket.id),
    listTimeEntries(services.db, ticket.id),
    listLinkedTickets(services.db, ticket.id),
    editableFields(services.db, ticket, read.fieldValues),
    draftOf(services.db, staff, ticket.id),
    signatureOf(services.db, staff),
    whoElseIsHere(services.db, staff, ticket, now),
    describeEvents(services, req, events, zone, () => ticket.customerName),
  ]);
  const sla = slaForPage(req, await clocksForDisplay(services.db, ticket, now), zone);
  const satisfaction = (await ticketRatings(services.db, ticket.id)).map((r) => ({
    ...r,
    when: formatInstant(req, r.createdAt, zone, 'short'),
  }));
  const kept = state.values;
  const total = entries.reduce((sum, e) => sum + e.minutes, 0);
  return {
    zone,
    sla,
    satisfaction,
    due:
      dueAt === null
        ? null
        : { at: dueAt, text: formatInstant(req, dueAt, zone), overdue: dueAt < now && ticket.statusIsOpen },
    dueValue: typeof kept?.due === 'string' ? kept.due : dueAt === null ? '' : epochToZonedLocal(dueAt, zone),
    time: {
      entries: entries.map((e) => ({
        ...e,
        text: formatMinutes(req.t, e.minutes),
        when: formatInstant(req, e.createdAt, zone, 'short'),
      })),
      total,
      totalText: formatMinutes(req.t, total),
    },
    timeValues: {
      minutes: typeof kept?.minutes === 'string' ? kept.minutes : '',
      note: typeof kept?.note === 'string' ? kept.note : '',
    },
    links: linked
      .filter((l) => read.visible === 'all' || read.visible.includes(l.categoryId))
      .map((l) => ({ ...l, trackingLabel: formatTrackingId(l.trackingId) })),
    linkValue: typeof kept?.link === 'string' ? kept.link : '',
    fields: editable.fields,
    fieldValues: fieldFormValues(
      editable.fields,
      editable.values,
      kept && Object.keys(kept).some((k) => k.startsWith('field_') || k === 'fields_form') ? kept : undefined,
    ),
    draft: draft?.body ?? null,
    signature,
    addSignature: state.addSignature ?? signature !== '',
    present,
    collisionAfter: state.collisionAfter ?? null,
    replyStatus: state.replyStatus ?? 'replied',
    history,
    notice:
      typeof req.query.extra === 'string' && notices.includes(req.query.extra)
        ? `ticketExtras.done.${req.query.extra}`
        : null,
  };
}

export type TicketExtrasView = Awaited<ReturnType<typeof ticketExtrasView>>;
