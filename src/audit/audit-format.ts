import { formatTrackingId } from '../tickets/tracking-id';
import type { AuditRow } from './audit-query.repo';
import { namedKinds, type AuditNames, type AuditRefs, type NamedKind } from './audit-names.repo';

/** What the formatter needs of the viewer: translations, language and the help desk's time zone. */
export type AuditViewer = {
  t: (key: string, options?: Record<string, unknown>) => string;
  lang: string;
  timeZone: string;
};

/** A thing an entry is about: its name (or id when it is gone) and, where one exists, its admin page. */
export type AuditThing = { label: string; href: string | null };
export type AuditChange = { label: string; before: string; after: string };
export type AuditFact = { label: string; value: string };
/** One entry as a person reads it; every string is plain text (the view escapes it). */
export type AuditLine = {
  id: number;
  when: string;
  whenIso: string;
  who: AuditThing | null;
  what: string;
  target: AuditThing | null;
  changes: AuditChange[];
  facts: AuditFact[];
  ip: string | null;
  raw: string | null;
};

const adminPages: Partial<Record<NamedKind, string>> = {
  ticket: '/admin/tickets/',
  staff: '/admin/staff/',
  category: '/admin/categories/',
  role: '/admin/roles/',
  mailbox: '/admin/mailboxes/',
  custom_field: '/admin/fields/',
  customer: '/admin/customers/',
};

/** camelCase or snake_case, so `category_id` in a stored row and `categoryId` in a snapshot mean one thing. */
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Detail keys that hold ids, and what they name; KB entries use `category`/`parent` for KB categories. */
function kindOfKey(key: string, action: string): NamedKind | null {
  const k = camel(key);
  if (action.startsWith('kb.') && (k === 'category' || k === 'parent' || k === 'categoryId' || k === 'parentId'))
    return 'kb_category';
  const kinds: Record<string, NamedKind> = {
    staffId: 'staff',
    staff: 'staff',
    ownerId: 'staff',
    createdBy: 'staff',
    roleId: 'role',
    categoryId: 'category',
    categoryIds: 'category',
    categories: 'category',
    ticketId: 'ticket',
    calendarId: 'sla_calendar',
    fieldId: 'custom_field',
    priorityId: 'priority',
    statusId: 'status',
    policyId: 'sla_policy',
  };
  return kinds[k] ?? null;
}

const parse = (json: string | null): unknown => {
  if (!json) return null;
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPair = (v: unknown): v is { before: unknown; after: unknown } =>
  isObject(v) && 'before' in v && 'after' in v && Object.keys(v).length === 2;
const idOf = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v)
    ? v
    : typeof v === 'string' && /^\d{1,15}$/.test(v)
      ? Number(v)
      : null;

/** Every id the page's entries mention, per kind: the names are then read in one query per kind. */
export function collectAuditRefs(rows: AuditRow[]): AuditRefs {
  const refs: AuditRefs = new Map();
  refs.trackingIds = new Set();
  const add = (kind: NamedKind, v: unknown) => {
    const id = idOf(v);
    if (id !== null) (refs.get(kind) ?? refs.set(kind, new Set()).get(kind)!).add(id);
  };
  const walk = (key: string, value: unknown, action: string) => {
    const kind = kindOfKey(key, action);
    if (isPair(value)) {
      walk(key, value.before, action);
      walk(key, value.after, action);
    } else if (Array.isArray(value)) for (const v of value) walk(key, v, action);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(k, v, action);
    else if (kind) add(kind, value);
  };
  for (const r of rows) {
    if (r.staffId !== null) add('staff', r.staffId);
    if (r.targetType && namedKinds.has(r.targetType) && r.targetId !== null) {
      if (r.targetType === 'ticket' && idOf(r.targetId) === null) refs.trackingIds.add(r.targetId);
      else add(r.targetType as NamedKind, r.targetId);
    }
    const details = parse(r.details);
    if (isObject(details)) for (const [k, v] of Object.entries(details)) walk(k, v, r.action);
  }
  return refs;
}

/** Turns stored rows into readable lines; `names` comes from resolveAuditNames for the same rows. */
export function formatAuditEntries(rows: AuditRow[], names: AuditNames, viewer: AuditViewer): AuditLine[] {
  const { t } = viewer;
  const dateTime = new Intl.DateTimeFormat(viewer.lang, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: viewer.timeZone,
  });
  const nameOf = (kind: NamedKind, id: number): string | undefined => {
    const n = names.byKind.get(kind)?.get(id);
    return n === undefined ? undefined : kind === 'ticket' ? formatTrackingId(n) : n;
  };
  const thing = (kind: NamedKind, id: number): AuditThing => {
    const name = nameOf(kind, id);
    if (name === undefined) return { label: t('auditView.gone', { kind: t(`auditKinds.${kind}`), id }), href: null };
    const page = adminPages[kind];
    return { label: name, href: page ? `${page}${id}` : null };
  };
  const label = (key: string) => {
    const k = camel(key);
    // Dotted keys are setting names (mail.smtpHost): shown as stored, which is how the settings page groups them.
    if (key.includes('.')) return key;
    const plain = k
      .replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`)
      .replace(/^./, (c) => c.toUpperCase());
    // roleId reads as "Role", priority_id as "Priority" (their values are shown as names).
    return t(`auditKeys.${k}`, { defaultValue: t(`auditKeys.${k.replace(/Ids?$/, '')}`, { defaultValue: plain }) });
  };

  const value = (key: string, v: unknown, action: string): string => {
    // A colleague without a role has the default one: named as the staff list names it, not "(empty)".
    if (v === null && camel(key) === 'roleId' && action.startsWith('staff.')) return t('roles.defaultName');
    // A token without an end date never expires: said so, not "(empty)".
    if (v === null && camel(key) === 'expiresAt' && action.startsWith('api_token.')) return t('apiTokens.never');
    if (v === null || v === undefined || v === '') return t('auditLog.emptyValue');
    const kind = kindOfKey(key, action);
    if (Array.isArray(v)) return v.length ? v.map((x) => value(key, x, action)).join(', ') : t('auditView.none');
    if (kind && idOf(v) !== null) return thing(kind, idOf(v)!).label;
    if (typeof v === 'boolean') return t(v ? 'auditView.yes' : 'auditView.no');
    // Times are stored as epoch milliseconds; keys saying so are shown as dates.
    if (typeof v === 'number' && /(At|_at)$/.test(key) && v > 1e11) return dateTime.format(v);
    if (isObject(v)) {
      if (typeof v.name === 'string') return v.name;
      return Object.entries(v)
        .map(([k, x]) => `${label(k)}: ${value(k, x, action)}`)
        .join('; ');
    }
    // Some rows keep a JSON text column (an SLA policy's targets): read it like any other value.
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      const inner = parse(v);
      if (typeof inner === 'object' && inner !== null) return value(key, inner, action);
    }
    return String(v);
  };

  const describe = (action: string, details: unknown): { changes: AuditChange[]; facts: AuditFact[] } => {
    const changes: AuditChange[] = [];
    const facts: AuditFact[] = [];
    if (!isObject(details)) {
      if (details !== null) facts.push({ label: t('auditLog.details'), value: value('', details, action) });
      return { changes, facts };
    }
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const change = (key: string, before: unknown, after: unknown) =>
      changes.push({ label: label(key), before: value(key, before, action), after: value(key, after, action) });
    const { before, after, changes: changeMap, ...rest } = details;
    if (isObject(before) && isObject(after)) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)]))
        if (!same(before[key], after[key])) change(key, before[key], after[key]);
    } else {
      // Only one side: a thing created (its values) or deleted (what it was).
      const side = isObject(after) ? after : isObject(before) ? before : null;
      if (side) for (const [k, v] of Object.entries(side)) facts.push({ label: label(k), value: value(k, v, action) });
      else if (before !== undefined || after !== undefined) change('value', before, after);
    }
    if (isObject(changeMap))
      for (const [k, c] of Object.entries(changeMap))
        isPair(c) ? change(k, c.before, c.after) : facts.push({ label: label(k), value: value(k, c, action) });
    else if (changeMap !== undefined)
      facts.push({ label: label('changes'), value: value('changes', changeMap, action) });
    for (const [k, v] of Object.entries(rest)) {
      if (isPair(v)) {
        if (!same(v.before, v.after)) change(k, v.before, v.after);
      } else facts.push({ label: label(k), value: value(k, v, action) });
    }
    return { changes, facts };
  };

  return rows.map((r) => {
    const details = parse(r.details);
    const targetId = r.targetId === null ? null : idOf(r.targetId);
    let target: AuditThing | null = null;
    if (r.targetType && r.targetId !== null) {
      const byTracking =
        r.targetType === 'ticket' && targetId === null ? names.ticketByTracking.get(r.targetId) : undefined;
      if (byTracking !== undefined) target = thing('ticket', byTracking);
      else if (namedKinds.has(r.targetType) && targetId !== null) target = thing(r.targetType as NamedKind, targetId);
      // A settings entry names its tab ("E-mail sending"), which is also where the settings live.
      else if (
        r.targetType === 'settings' &&
        /^[a-z]+$/.test(r.targetId) &&
        t(`settings.tabs.${r.targetId}`, { defaultValue: '' })
      )
        target = { label: t(`settings.tabs.${r.targetId}`), href: `/admin/settings/${r.targetId}` };
      else
        target = {
          label: `${t(`auditKinds.${r.targetType}`, { defaultValue: r.targetType })} ${r.targetType === 'ticket' && /^[A-Z0-9]{10}$/.test(r.targetId) ? formatTrackingId(r.targetId) : r.targetId}`,
          href: null,
        };
    }
    const who =
      r.staffId !== null
        ? {
            ...thing('staff', r.staffId),
            ...(nameOf('staff', r.staffId) === undefined && r.staffName ? { label: r.staffName } : {}),
          }
        : r.staffName
          ? { label: r.staffName, href: null }
          : null;
    return {
      id: r.id,
      when: dateTime.format(r.createdAt),
      whenIso: new Date(r.createdAt).toISOString(),
      who,
      what: t(`auditActions.${r.action.replace(/\./g, '_')}`, { defaultValue: r.action }),
      target,
      ...describe(r.action, details),
      ip: r.ip,
      raw:
        r.details === null
          ? null
          : isObject(details) || Array.isArray(details)
            ? JSON.stringify(details, null, 2)
            : r.details,
    };
  });
}
