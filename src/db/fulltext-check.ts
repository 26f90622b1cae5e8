import type { Knex } from 'knex';
import { clientOf } from './dialect';
import { innodbStopwords } from './fulltext';

/**
 * Which of a few tickets the engine's search for `words` finds (fulltext.ts `ticketIdsMatching`
 * and `customerIdsMatching`): every word, as a word prefix, in one text of the ticket (its
 * subject, one message, its field values, its customer's name). For the search that walks the
 * newest tickets and checks them (tickets/search-walk.repo.ts): the engines cannot check a few
 * rows cheaply (InnoDB and FTS5 build every match of a common word first), so SQLite and
 * MySQL/MariaDB read the few tickets' texts and cut them into words as their engine does;
 * PostgreSQL tests its stored tsvectors row by row, which is the engine's own answer.
 * Null when a text is not plain ASCII (SQLite, MySQL/MariaDB): how the engine folds other letters
 * (FTS5's remove_diacritics, the column's collation) is not copied, so the engine must answer.
 */
export async function ticketsMatchingAmong(db: Knex, ids: number[], words: string[]): Promise<Set<number> | null> {
  if (ids.length === 0) return new Set();
  if (clientOf(db) === 'postgres') return postgresMatchingAmong(db, ids, words);
  const matches = textMatcher(clientOf(db) === 'mysql' ? 'mysql' : 'sqlite', words);
  const [tickets, messages, values] = await Promise.all([
    db('tickets as t')
      .join('customers as c', 'c.id', 't.customer_id')
      .whereIn('t.id', ids)
      .select<Array<{ id: number; subject: string; name: string }>>('t.id', 't.subject', 'c.name'),
    db('messages').whereIn('ticket_id', ids).select<Array<{ ticket_id: number; body: string }>>('ticket_id', 'body'),
    db('custom_field_values')
      .whereIn('ticket_id', ids)
      .select<Array<{ ticket_id: number; value: string }>>('ticket_id', 'value'),
  ]);
  const texts = [...tickets.flatMap((t) => [t.subject, t.name]), ...messages.map((m) => m.body)];
  if (!texts.concat(values.map((v) => v.value)).every(plainAscii)) return null;
  const found = new Set<number>();
  for (const t of tickets) if (matches(t.subject) || matches(t.name)) found.add(Number(t.id));
  for (const m of messages) if (matches(m.body)) found.add(Number(m.ticket_id));
  if (clientOf(db) === 'mysql') {
    for (const v of values) if (matches(v.value)) found.add(Number(v.ticket_id));
  } else {
    // SQLite indexes a ticket's field values as one text (field_values_fts, one row per ticket).
    const joined = new Map<number, string>();
    for (const v of values) joined.set(Number(v.ticket_id), `${joined.get(Number(v.ticket_id)) ?? ''} ${v.value}`);
    for (const [ticketId, text] of joined) if (matches(text)) found.add(ticketId);
  }
  return found;
}

/**
 * Plain ASCII: the only characters whose folding is proven equal to the engines' (lower case).
 * FTS5's `remove_diacritics 2` and MariaDB's collations (utf8mb4_general_ci or _unicode_ci, by
 * install) each fold other letters their own way (ğ, ł, đ, ß, ё, ễ, decomposed accents), which
 * tests/db/search-walk.test.ts showed differs from fold.ts and between installs.
 */
const plainAscii = (text: string | null): boolean => !text || !/[^\x00-\x7f]/.test(text);

/**
 * InnoDB indexes words of 3 to 84 characters (innodb_ft_min/max_token_size as MariaDB and MySQL
 * ship them) that are not stop words: a longer one (a hash, a base64 run) is never found.
 */
const indexedByInnodb = (token: string): boolean =>
  token.length >= 3 && token.length <= 84 && !innodbStopwords.has(token);

/**
 * Whether a plain ASCII text has every word as the start of one of its words, cut as the engine
 * does: FTS5's unicode61 (letters and digits), InnoDB's parser (letters, digits and `_`; only the
 * words `indexedByInnodb`).
 */
export function textMatcher(engine: 'sqlite' | 'mysql', words: string[]): (text: string) => boolean {
  const wanted = words.map((w) => w.toLowerCase());
  const wordPattern = engine === 'mysql' ? /[\p{L}\p{N}_]+/gu : /[\p{L}\p{N}]+/gu;
  return (text) => {
    const folded = text.toLowerCase();
    if (!wanted.every((w) => folded.includes(w))) return false;
    const tokens = folded.match(wordPattern) ?? [];
    const indexed = engine === 'mysql' ? tokens.filter(indexedByInnodb) : tokens;
    return wanted.every((w) => indexed.some((t) => t.startsWith(w)));
  };
}

/**
 * Whether `textMatcher` answers as the engine does for these words: plain ASCII only (see
 * `plainAscii`) on SQLite and MySQL/MariaDB; InnoDB's answer for a word it never indexes (under
 * 3 characters, a stop word) as a required prefix is not worth copying, so such searches stay
 * with the engine.
 */
export function checkableWords(db: Knex, words: string[]): boolean {
  const client = clientOf(db);
  if (client === 'postgres') return true;
  if (!words.every(plainAscii)) return false;
  return client !== 'mysql' || words.every((w) => w.length >= 3 && !innodbStopwords.has(w));
}

/**
 * Each text of the few tickets tested against its stored tsvector: the candidates are fetched by
 * key first (MATERIALIZED), so the planner cannot turn the test into the GIN index's every match.
 */
async function postgresMatchingAmong(db: Knex, ids: number[], words: string[]): Promise<Set<number>> {
  const query = words.map((w) => `${w}:*`).join(' & ');
  const result = (await db.raw(
    `WITH q AS (SELECT to_tsquery('simple', ?) AS q),
      t AS MATERIALIZED (SELECT t.id, t.subject_tsv, c.name_tsv FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.id = ANY(?)),
      m AS MATERIALIZED (SELECT ticket_id, body_tsv FROM messages WHERE ticket_id = ANY(?)),
      v AS MATERIALIZED (SELECT ticket_id, value_tsv FROM custom_field_values WHERE ticket_id = ANY(?))
    SELECT t.id FROM t, q WHERE t.subject_tsv @@ q.q OR t.name_tsv @@ q.q
    UNION SELECT m.ticket_id FROM m, q WHERE m.body_tsv @@ q.q
    UNION SELECT v.ticket_id FROM v, q WHERE v.value_tsv @@ q.q`,
    [query, ids, ids, ids],
  )) as { rows: Array<{ id: number }> };
  return new Set(result.rows.map((r) => Number(r.id)));
}
