import type { Db } from '../db/db';
import { readAllSettings, writeSettings } from './settings.repo';
import { settingDefinitions, type SettingKey, type Settings } from './settings.schema';

/**
 * Settings are read from the database and kept in memory for a few seconds: a change made on
 * one instance reaches every other instance within `ttlMs`, and at once on the one that made it.
 * A stored value that no longer fits its definition falls back to the default.
 */
export class SettingsService {
  private cached: Settings | null = null;
  private loadedAt = 0;
  private loading: Promise<Settings> | null = null;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly ttlMs = 5000,
  ) {}

  /**
   * Inside a transaction, pass it as `conn`: on SQLite the pool's one connection is held by the
   * transaction, and a read through another would wait for it forever. What is read through a
   * transaction is not cached, since that transaction may still roll back.
   */
  async all(conn?: Db): Promise<Settings> {
    if (this.cached && this.now() - this.loadedAt < this.ttlMs) return this.cached;
    if (conn) return parseSettings(await readAllSettings(conn));
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  async get<K extends SettingKey>(key: K): Promise<Settings[K]> {
    return (await this.all())[key];
  }

  async save(values: Partial<Settings>): Promise<void> {
    await writeSettings(this.db, values, this.now());
    this.cached = null;
  }

  private async load(): Promise<Settings> {
    this.cached = parseSettings(await readAllSettings(this.db));
    this.loadedAt = this.now();
    return this.cached;
  }
}

function parseSettings(stored: Map<string, unknown>): Settings {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(settingDefinitions) as SettingKey[]) {
    const { schema, fallback } = settingDefinitions[key];
    const parsed = stored.has(key) ? schema.safeParse(stored.get(key)) : null;
    out[key] = parsed?.success ? parsed.data : fallback;
  }
  return out as Settings;
}
