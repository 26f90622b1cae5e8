import type { Knex } from 'knex';
import { pendingMigrations } from './migrate';

/**
 * Whether the database lacks migrations this code has. Checked at most every `ttlMs` per
 * process (the answer lives in the database; the cache only spares a query per request).
 */
export class SchemaStatus {
  private pending: string[] | null = null;
  private checkedAt = 0;

  constructor(
    private readonly db: Knex,
    private readonly ttlMs = 30_000,
  ) {}

  async pendingNow(now = Date.now()): Promise<string[]> {
    if (this.pending === null || now - this.checkedAt > this.ttlMs) {
      this.pending = await pendingMigrations(this.db);
      this.checkedAt = now;
    }
    return this.pending;
  }

  /** Asks the database now (the upgrade page must never show a stale list). */
  async refresh(): Promise<string[]> {
    this.pending = null;
    return this.pendingNow();
  }
}
