/**
 * Typing and typing errors in a knowledge-base search, without a stemmer or a fuzzy index:
 * a light per-language trim of word endings before the prefix match ("пароля" asks for
 * "парол*", which finds "пароль"), and the edit-distance-1 test that picks a correction from
 * the vocabulary of indexed words (kb-terms.repo.ts) when a search finds nothing.
 * Words here are folded already (foldText: lower case, no diacritics), so are the endings.
 */

/**
 * Common inflection endings, longest first within each list. Deliberately short lists: an ending
 * is only cut when at least `minStem` letters stay, and a cut too many only widens a prefix.
 */
const endings: Record<string, string[]> = {
  en: ['ations', 'ation', 'ings', 'ing', 'ies', 'ers', 'ed', 'es', 'er', 's'],
  ru: [
    'иями',
    'ями',
    'ами',
    'ого',
    'его',
    'ому',
    'ему',
    'ыми',
    'ими',
    'ться',
    'ить',
    'ать',
    'ять',
    'еть',
    'ешь',
    'ете',
    'ите',
    'ой',
    'ей',
    'ий',
    'ый',
    'ая',
    'яя',
    'ое',
    'ее',
    'ую',
    'юю',
    'ах',
    'ях',
    'ов',
    'ев',
    'ом',
    'ем',
    'ам',
    'ям',
    'ют',
    'ут',
    'ит',
    'ет',
    'ть',
    'а',
    'я',
    'о',
    'е',
    'ы',
    'и',
    'у',
    'ю',
    'ь',
    'й',
  ],
  sk: [
    'ami',
    'ach',
    'ovi',
    'iam',
    'ov',
    'om',
    'ou',
    'ia',
    'ie',
    'iu',
    'ej',
    'ho',
    'mu',
    'at',
    'it',
    'a',
    'e',
    'i',
    'o',
    'u',
    'y',
  ],
  hu: [
    'ban',
    'ben',
    'nak',
    'nek',
    'val',
    'vel',
    'bol',
    'rol',
    'hoz',
    'hez',
    'kent',
    'nal',
    'nel',
    'ra',
    're',
    'ba',
    'be',
    'at',
    'et',
    'ot',
    'ok',
    'ek',
    'ak',
    't',
    'k',
  ],
  lv: ['ajam', 'iem', 'ais', 'ai', 'as', 'am', 'em', 'es', 'is', 'os', 'us', 'a', 'e', 'i', 's', 'u'],
};
const minStem = 4;
const cyrillic = /\p{Script=Cyrillic}/u;

/** The endings that apply to a word: Russian for Cyrillic words; the reader's language's and English for Latin ones. */
function endingsFor(word: string, language: string): string[] {
  if (cyrillic.test(word)) return endings.ru!;
  const own = language !== 'en' && language !== 'ru' ? (endings[language] ?? []) : [];
  return [...own, ...endings.en!].sort((a, b) => b.length - a.length);
}

/** A searched word as the prefix to ask the index for: its longest known ending cut, when a stem of 4+ letters stays. */
export function stemForPrefix(word: string, language: string): string {
  const letters = [...word];
  if (letters.length <= minStem) return word;
  for (const ending of endingsFor(word, language)) {
    const cut = [...ending].length;
    if (letters.length - cut >= minStem && word.endsWith(ending))
      return letters.slice(0, letters.length - cut).join('');
  }
  return word;
}

/**
 * Whether two words are at most one edit apart (one letter inserted, deleted, replaced, or two
 * neighbours swapped: the typing errors people make), compared by code point.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  const restEqual = (p: string[], q: string[]) => p.length === q.length && p.every((c, k) => c === q[k]);
  if (x.length === y.length) {
    if (restEqual(x.slice(i + 1), y.slice(i + 1))) return true;
    return x[i] === y[i + 1] && x[i + 1] === y[i] && restEqual(x.slice(i + 2), y.slice(i + 2));
  }
  return x.length > y.length ? restEqual(x.slice(i + 1), y.slice(i)) : restEqual(x.slice(i), y.slice(i + 1));
}

/**
 * Where to look up a word's corrections in the vocabulary: a word one edit away keeps either
 * the first half or the second half of the word unchanged, so its candidates are the terms that
 * start with the first half or end with the second (a reversed-term index), of length ±1.
 */
export function correctionKeys(word: string): { head: string; reversedTail: string; lengths: number[] } {
  const letters = [...word];
  const half = Math.floor(letters.length / 2);
  return {
    head: letters.slice(0, half).join(''),
    reversedTail: letters
      .slice(half + 1)
      .reverse()
      .join(''),
    lengths: [letters.length - 1, letters.length, letters.length + 1],
  };
}

/** A term as the vocabulary's reversed column keeps it. */
export const reversedTerm = (term: string) => [...term].reverse().join('');

/** Words worth correcting and worth keeping in the vocabulary: 4 to 40 letters (a 3-letter word has too many neighbours). */
export const correctable = (word: string) => {
  const n = [...word].length;
  return n >= minStem && n <= 40 && !/^\p{N}+$/u.test(word);
};
