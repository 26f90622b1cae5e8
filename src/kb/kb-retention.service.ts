import type { Db } from '../db/db';
import { deleteKbSuggestionSessionsBefore } from './kb-deflection.repo';
import { deleteKbSearchesBefore } from './kb-search.repo';

/** Old rows go 1,000 per statement, at most 10,000 per table and run (a run every few seconds catches up). */
const sweep = { batch: 1000, maxBatches: 10 };

async function inBatches(remove: (batch: number) => Promise<number>): Promise<number> {
  let removed = 0;
  for (let i = 0; i < sweep.maxBatches; i++) {
    const n = await remove(sweep.batch);
    removed += n;
    if (n < sweep.batch) break;
  }
  return removed;
}

/**
 * The knowledge base's logs kept for `days` (setting kb.logRetentionDays, at least 90: the
 * owner's numbers look back 90 days at most, so no older figure is ever asked for and no rollup
 * is kept). Searches by when they were made, suggestion sessions by when they were first shown.
 */
export async function sweepKbLogs(
  db: Db,
  days: number,
  now: number,
): Promise<{ searches: number; suggestionSessions: number }> {
  const before = now - days * 86_400_000;
  const searches = await inBatches((batch) => deleteKbSearchesBefore(db, before, batch));
  const suggestionSessions = await inBatches((batch) => deleteKbSuggestionSessionsBefore(db, before, batch));
  return { searches, suggestionSessions };
}
