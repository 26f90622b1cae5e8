import crypto from 'node:crypto';
import type { i18n } from 'i18next';
import type { Db } from '../db/db';
import { readCatalog } from './catalog.repo';
import { badgeCss } from './colours';
import { parseNames, pickName, type Names } from './localized';

type Entry = { name: string; names: Names; builtin: boolean; color?: string };
type Loaded = {
  statuses: Map<string, Entry>;
  priorities: Map<string, Entry>;
  categories: Map<number, Entry>;
  fields: Map<number, Entry & { hints: Names }>;
  css: string;
  cssVersion: string;
  /** The statuses an admin marked "customers may set", in their order. */
  customerSettable: Array<{ key: string; name: string }>;
  /** Whether any custom field is shown to customers (else their ticket page reads no field values). */
  customerFields: boolean;
  /** namesFor's answers for this load, by viewer, default language and audience. */
  names: Map<string, CatalogNames>;
};

/** Remembered names per viewer (a handful of languages × two audiences) and texts per viewer. */
const maxViewers = 50;
const maxTexts = 2000;

/** `pick` once per key and fallback: a built-in status's name costs two i18next look-ups each time. */
function remembered<A extends string | number>(pick: (key: A, fallback: string) => string) {
  const texts = new Map<string, string>();
  return (key: A, fallback: string): string => {
    const at = `${key}\n${fallback}`;
    let text = texts.get(at);
    if (text === undefined) {
      text = pick(key, fallback);
      if (texts.size < maxTexts) texts.set(at, text);
    }
    return text;
  };
}

/** What the views call to show a status, priority, category or field in the viewer's language. */
export type CatalogNames = {
  status(key: string, fallback: string): string;
  priority(key: string, fallback: string): string;
  category(id: number, fallback: string): string;
  field(id: number, fallback: string): string;
  fieldHint(id: number): string;
};

/**
 * The names admins give statuses, priorities, categories and fields, and the colour stylesheet,
 * read from the database and kept in memory for a few seconds: a change made on one instance
 * reaches the others within `ttlMs`, and at once on the instance that made it (`invalidate`).
 */
export class CatalogService {
  private cached: Loaded | null = null;
  private loadedAt = 0;
  private loading: Promise<Loaded> | null = null;

  constructor(
    private readonly db: Db,
    private readonly i18n: i18n,
    private readonly now: () => number,
    private readonly ttlMs = 5000,
  ) {}

  invalidate(): void {
    this.cached = null;
  }

  private async load(): Promise<Loaded> {
    if (this.cached && this.now() - this.loadedAt < this.ttlMs) return this.cached;
    this.loading ??= (async () => {
      try {
        const rows = await readCatalog(this.db);
        const entry = (r: {
          name: string;
          names: string | null;
          is_builtin?: boolean | number;
          color?: string;
        }): Entry => ({ name: r.name, names: parseNames(r.names), builtin: Boolean(r.is_builtin), color: r.color });
        const loaded: Loaded = {
          statuses: new Map(rows.statuses.map((r) => [String(r.key), entry(r)])),
          priorities: new Map(rows.priorities.map((r) => [String(r.key), entry(r)])),
          categories: new Map(rows.categories.map((r) => [Number(r.id), entry(r)])),
          fields: new Map(
            rows.fields.map((r) => [
              Number(r.id),
              { name: r.label, names: parseNames(r.labels), hints: parseNames(r.hints), builtin: false },
            ]),
          ),
          css: badgeCss(
            rows.statuses.map((r) => ({ key: String(r.key), color: String(r.color) })),
            rows.priorities.map((r) => ({ key: String(r.key), color: String(r.color) })),
          ),
          cssVersion: '',
          names: new Map(),
          customerSettable: rows.statuses
            .filter((r) => Boolean(r.customer_settable))
            .map((r) => ({ key: String(r.key), name: r.name })),
          customerFields: rows.fields.some((r) => Boolean(r.visible_to_customer)),
        };
        loaded.cssVersion = crypto.createHash('sha256').update(loaded.css).digest('hex').slice(0, 12);
        this.cached = loaded;
        this.loadedAt = this.now();
        return loaded;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The colour rules for status and priority badges (served as a stylesheet: the CSP allows no inline style). */
  async css(): Promise<{ css: string; version: string }> {
    const c = await this.load();
    return { css: c.css, version: c.cssVersion };
  }

  /** The statuses customers may set (their stored names; views show them through `names`). */
  async customerSettableStatuses(): Promise<ReadonlyArray<{ key: string; name: string }>> {
    return (await this.load()).customerSettable;
  }

  /**
   * Whether a customer's ticket page may have field values to show. A field made visible on
   * another instance shows there within `ttlMs`; which values are shown is still decided by the
   * fields as stored when the page reads them.
   */
  async hasCustomerFields(): Promise<boolean> {
    return (await this.load()).customerFields;
  }

  /**
   * The names for one viewer. Staff pages (`audience: 'staff'`) word the built-in statuses from
   * the desk's side ("Waiting for customer", not the customer's "Waiting for you"): the
   * `staffStatus.*` texts, where there is one, before `status.*`. Admin-given names win in both.
   */
  async namesFor(
    viewer: string,
    defaultLanguage: string,
    audience: 'customer' | 'staff' = 'customer',
  ): Promise<CatalogNames> {
    const c = await this.load();
    const key = `${viewer}\n${defaultLanguage}\n${audience}`;
    let names = c.names.get(key);
    if (!names) {
      names = this.pickNames(c, viewer, defaultLanguage, audience);
      if (c.names.size < maxViewers) c.names.set(key, names);
    }
    return names;
  }

  /** The names for one viewer, each remembered for the life of this load of the catalog. */
  private pickNames(c: Loaded, viewer: string, defaultLanguage: string, audience: 'customer' | 'staff'): CatalogNames {
    const t = this.i18n.getFixedT(viewer);
    const builtin = (prefix: string, key: string, e: Entry | undefined) =>
      e?.builtin && this.i18n.exists(`${prefix}.${key}`, { lng: viewer }) ? t(`${prefix}.${key}`) : null;
    const builtinStatus = (key: string, e: Entry | undefined) =>
      (audience === 'staff' ? builtin('staffStatus', key, e) : null) ?? builtin('status', key, e);
    const pick = (e: Entry | undefined, fallback: string, builtinText: string | null = null) =>
      e ? pickName(e.names, viewer, defaultLanguage, e.name || fallback, builtinText) : (builtinText ?? fallback);
    return {
      status: remembered((key: string, fallback) =>
        pick(
          c.statuses.get(key),
          fallback,
          builtinStatus(key, c.statuses.get(key) ?? { builtin: true, name: '', names: {} }),
        ),
      ),
      priority: remembered((key: string, fallback) =>
        pick(
          c.priorities.get(key),
          fallback,
          builtin('priority', key, c.priorities.get(key) ?? { builtin: true, name: '', names: {} }),
        ),
      ),
      category: remembered((id: number, fallback) => pick(c.categories.get(Number(id)), fallback)),
      field: remembered((id: number, fallback) => pick(c.fields.get(Number(id)), fallback)),
      fieldHint: (id) => {
        const f = c.fields.get(Number(id));
        return f ? pickName(f.hints, viewer, defaultLanguage, '') : '';
      },
    };
  }
}
