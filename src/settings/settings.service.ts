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

  async all(): Promise<Settings> {
    if (this.cached && this.now() - this.loadedAt < this.ttlMs) return this.cached;
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
    const stored = await readAllSettings(this.db);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(settingDefinitions) as SettingKey[]) {
      const { schema, fallback } = settingDefinitions[key];
      const parsed = stored.has(key) ? schema.safeParse(stored.get(key)) : null;
      out[key] = parsed?.success ? parsed.data : fallback;
    }
    this.cached = out as Settings;
    this.loadedAt = this.now();
    return this.cached;
  }
}
