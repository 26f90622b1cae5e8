import type { Knex } from 'knex';

/** A visitor was shown suggestions (the first time counts). */
export async function markKbSuggestionsShown(db: Knex, visitor: string, now: number): Promise<void> {
  await db('kb_suggestion_sessions').insert({ visitor, shown_at: now }).onConflict('visitor').ignore();
}

export async function findKbSuggestionSession(db: Knex, visitor: string): Promise<boolean> {
  return Boolean(await db('kb_suggestion_sessions').where({ visitor }).first('visitor'));
}

/** A visitor opened a suggested article (only after being shown suggestions). */
export async function markKbSuggestionOpened(db: Knex, visitor: string, now: number): Promise<void> {
  await db('kb_suggestion_sessions').where({ visitor }).whereNull('opened_at').update({ opened_at: now });
}

/** A visitor who had been shown suggestions submitted a ticket after all. */
export async function markKbSuggestionSubmitted(db: Knex, visitor: string, now: number): Promise<void> {
  await db('kb_suggestion_sessions').where({ visitor }).whereNull('submitted_at').update({ submitted_at: now });
}

/** Of the visitors first shown suggestions since a time: how many, and how many opened one and did not submit. */
export async function kbDeflectionSince(db: Knex, since: number): Promise<{ shown: number; deflected: number }> {
  const [shown, deflected] = await Promise.all([
    db('kb_suggestion_sessions').where('shown_at', '>=', since).count<Array<{ n: number | string }>>({ n: '*' }),
    db('kb_suggestion_sessions')
      .where('shown_at', '>=', since)
      .whereNotNull('opened_at')
      .whereNull('submitted_at')
      .count<Array<{ n: number | string }>>({ n: '*' }),
  ]);
  return { shown: Number(shown[0]?.n ?? 0), deflected: Number(deflected[0]?.n ?? 0) };
}

/** Removes suggestion sessions first shown before a time, at most `batch` rows; returns how many went. */
export async function deleteKbSuggestionSessionsBefore(db: Knex, before: number, batch: number): Promise<number> {
  const visitors = (
    await db('kb_suggestion_sessions').where('shown_at', '<', before).orderBy('shown_at').limit(batch).select('visitor')
  ).map((r: { visitor: string }) => r.visitor);
  return visitors.length ? db('kb_suggestion_sessions').whereIn('visitor', visitors).del() : 0;
}
