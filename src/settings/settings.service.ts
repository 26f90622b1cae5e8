import { bumpAutoCloseRevision } from '../auto-close/auto-close.repo';
import { recordAudit, type AuditEntry } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ForbiddenError } from '../errors';
import { openSecrets, sealSecrets } from './secret-settings';
import {
  bumpSettingsRevision,
  readAllSettings,
  readSettingsRevision,
  replaceSettingValue,
  writeSettings,
} from './settings.repo';
import {
  adminOnlySettingKeys,
  secretSettingKeys,
  settingDefinitions,
  type SettingKey,
  type Settings,
} from './settings.schema';

/**
 * Who changed settings, for the audit log; `actorIsAdmin: false` (someone with settings.manage
 * who is not an administrator) may not change the admin-only keys.
 */
export type SettingsChangeContext = { actor: AuditEntry['actor']; ip?: string; group?: string; actorIsAdmin?: boolean };

/** Before and after of each changed key; secrets appear only as "changed" / "removed". */
export type SettingsDiff = Record<string, { before: unknown; after: unknown }>;

export const maskedSecret = '********';

/**
 * Settings are read from the database and kept in memory. Every change through `save` also
 * counts up a revision row; each process reads that one row at most every `checkEveryMs` and
 * reloads only when it moved, so a change made on one instance reaches every other within a
 * second or two, and at once on the instance that made it. A stored value that no longer fits
 * its definition falls back to the default. Stored passwords are encrypted with a key derived
 * from `signingSecret` (see secret-settings.ts) and decrypted here, for the code that uses them.
 */
export class SettingsService {
  private cached: { settings: Settings; revision: number } | null = null;
  private checkedAt = 0;
  private loading: Promise<Settings> | null = null;
  private readonly besides = new Map<string, { revision: number; value: unknown }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly signingSecret: string,
    private readonly checkEveryMs = 1000,
  ) {}

  /**
   * Inside a transaction, pass it as `conn`: on SQLite the pool's one connection is held by the
   * transaction, and a read through another would wait for it forever. What is read through a
   * transaction is not cached, since that transaction may still roll back.
   */
  async all(conn?: Db): Promise<Settings> {
    if (this.cached && this.checkedLately()) return this.cached.settings;
    if (conn) {
      const revision = await readSettingsRevision(conn);
      if (this.cached?.revision === revision) return this.cached.settings;
      return parseSettings(openSecrets(await readAllSettings(conn), this.signingSecret).values);
    }
    this.loading ??= this.refresh().finally(() => (this.loading = null));
    return this.loading;
  }

  /**
   * Read-mostly data kept beside the settings under their revision (bans, the mailboxes'
   * addresses, template wordings): its writers count up the same revision in their transaction,
   * so it is reloaded exactly when the settings would be, at most `checkEveryMs` late in another
   * process. `load` reads through `conn` when given (see `all`); data read there is kept only
   * when the revision seen through `conn` is the cached one (a transaction that counted its own
   * change may still roll back).
   */
  async beside<T>(name: string, load: (db: Db) => Promise<T>, conn?: Db): Promise<T> {
    let revision: number;
    if (this.cached && this.checkedLately()) revision = this.cached.revision;
    else if (conn) revision = await readSettingsRevision(conn);
    else {
      await this.all();
      revision = this.cached!.revision;
    }
    const kept = this.besides.get(name);
    if (kept?.revision === revision) return kept.value as T;
    const value = await load(conn ?? this.db);
    if (revision === this.cached?.revision) this.besides.set(name, { revision, value });
    return value;
  }

  async get<K extends SettingKey>(key: K): Promise<Settings[K]> {
    return (await this.all())[key];
  }

  /**
   * Stores the values that differ from the current ones, counts up the revision and, with a
   * context, records the change in the audit log — all in one transaction. Returns the diff
   * (empty when nothing changed, and then nothing is written).
   */
  async save(values: Partial<Settings>, context?: SettingsChangeContext): Promise<SettingsDiff> {
    const diff = await withTransaction(this.db, async (trx) => {
      const current = parseSettings(openSecrets(await readAllSettings(trx), this.signingSecret).values);
      const changed = Object.fromEntries(
        Object.entries(values).filter(
          ([key, value]) => JSON.stringify(current[key as SettingKey]) !== JSON.stringify(value),
        ),
      );
      const keys = Object.keys(changed) as SettingKey[];
      if (keys.length === 0) return {};
      if (context?.actorIsAdmin === false && keys.some((k) => adminOnlySettingKeys.includes(k)))
        throw new ForbiddenError();
      const now = this.now();
      await writeSettings(trx, sealSecrets(changed, this.signingSecret), now);
      await bumpSettingsRevision(trx, now);
      if (keys.includes('tickets.autoCloseDays')) await bumpAutoCloseRevision(trx, now);
      const diff = describeChanges(keys, current, changed);
      if (context) {
        await recordAudit(
          trx,
          {
            actor: context.actor,
            action: 'settings.changed',
            target: { type: 'settings', id: context.group ?? 'settings' },
            details: { changes: diff },
            ...(context.ip ? { ip: context.ip } : {}),
          },
          now,
        );
      }
      return diff;
    });
    this.cached = null;
    return diff;
  }

  /** Forgets the cache at once (after a change this process made without `save`). */
  invalidate(): void {
    this.cached = null;
  }

  private checkedLately(): boolean {
    return this.now() - this.checkedAt < this.checkEveryMs;
  }

  private async refresh(): Promise<Settings> {
    const revision = await readSettingsRevision(this.db);
    // The revision is read before the values: a change in between is then seen on the next check.
    if (this.cached?.revision !== revision) {
      const { values, plain } = openSecrets(await readAllSettings(this.db), this.signingSecret);
      await this.sealPlainSecrets(plain);
      this.cached = { settings: parseSettings(values), revision };
    }
    this.checkedAt = this.now();
    return this.cached.settings;
  }

  /**
   * A password saved before secrets were encrypted is encrypted the first time it is loaded,
   * by whichever process loads it first (only if it is still the same plain value). A failure
   * is left for the next load: the value works meanwhile.
   */
  private async sealPlainSecrets(plain: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(sealSecrets(plain, this.signingSecret))) {
      await replaceSettingValue(this.db, key, plain[key], value, this.now()).catch(() => undefined);
    }
  }
}

function describeChanges(keys: SettingKey[], before: Settings, after: Record<string, unknown>): SettingsDiff {
  const secret = (key: SettingKey, value: unknown) =>
    secretSettingKeys.includes(key) ? (value === '' ? '' : maskedSecret) : value;
  return Object.fromEntries(
    keys.map((key) => [key, { before: secret(key, before[key]), after: secret(key, after[key]) }]),
  );
}

/** Stored values checked against their definitions; a missing or invalid one reads as its default. */
export function parseSettings(stored: Map<string, unknown>): Settings {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(settingDefinitions) as SettingKey[]) {
    const { schema, fallback } = settingDefinitions[key];
    const parsed = stored.has(key) ? schema.safeParse(stored.get(key)) : null;
    out[key] = parsed?.success ? parsed.data : fallback;
  }
  return out as Settings;
}
