/**
 * Letters with diacritics in the five UI languages (and their neighbours), and the plain letter
 * each folds to, so "resetovať" finds "resetovat" and "ёлка" finds "елка". PostgreSQL's
 * `translate()` with these two strings is immutable, so a generated tsvector column can use it
 * without the unaccent extension (not installed everywhere). SQLite FTS5's `remove_diacritics 2`
 * and MariaDB's collations fold by their own rules, which differ from this table (e.g. ł, đ, ё
 * kept by FTS5; ğ, ễ, Ŝ folded; ß = s under utf8mb4_general_ci), so this table is not their folding.
 * A migration's index is built with these strings: changing them needs a new migration.
 */
const accented = 'áàâäãåāąăčćçďđéèêëēėęěíìîïīįĺľłńňñņóòôöõőōŕřšśşșťţțúùûüűūůųýÿžźżģķļ' + 'ё';
export const foldFrom = accented + accented.toUpperCase();
export const foldTo = [...foldFrom]
  .map((c) =>
    c === 'ё' || c === 'Ё'
      ? 'е'
      : c === 'ł' || c === 'Ł'
        ? 'l'
        : c === 'đ' || c === 'Đ'
          ? 'd'
          : c.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase(),
  )
  .join('');

const map = new Map([...foldFrom].map((c, i) => [c, foldTo[i]!]));
/** A text folded as the databases' indexes fold it: lower case, diacritics off. */
export const foldText = (text: string): string =>
  [...text.normalize('NFC').toLowerCase()].map((c) => map.get(c) ?? c).join('');
