import { foldText } from '../../src/db/fold';
import { kbTermsOf } from '../../src/kb/kb-terms.repo';
import { correctionKeys, stemForPrefix, withinOneEdit } from '../../src/kb/kb-typos';

test('word endings are trimmed per language before the prefix match, leaving at least four letters', () => {
  expect(stemForPrefix('пароля', 'ru')).toBe('парол');
  expect(stemForPrefix('пароль', 'en')).toBe('парол'); // Cyrillic words take the Russian endings whatever the page's language
  expect(stemForPrefix('installing', 'en')).toBe('install');
  expect(stemForPrefix('passwords', 'sk')).toBe('password');
  expect(stemForPrefix('hesla', 'sk')).toBe('hesl');
  expect(stemForPrefix(foldText('jelszót'), 'hu')).toBe('jelsz'); // a prefix of jelszo, jelszava…
  expect(stemForPrefix('paroles', 'lv')).toBe('parol');
  expect(stemForPrefix('instal', 'en')).toBe('instal');
  expect(stemForPrefix('uses', 'en')).toBe('uses');
  expect(stemForPrefix('сброс', 'ru')).toBe('сброс');
});

test('one edit apart: an inserted, deleted or replaced letter, or two neighbours swapped', () => {
  for (const [a, b] of [
    ['pasword', 'password'],
    ['password', 'pasword'],
    ['passwrod', 'password'],
    ['pessword', 'password'],
    ['пароь', 'пароль'],
    ['paswsord', 'password'],
    ['heslo', 'heslo'],
  ])
    expect([a, b, withinOneEdit(a!, b!)]).toEqual([a, b, true]);
  for (const [a, b] of [
    ['pasord', 'password'],
    ['drowssap', 'password'],
    ['abcd', 'dcba'],
    ['', 'ab'],
    ['pawsrod', 'password'],
  ])
    expect([a, b, withinOneEdit(a!, b!)]).toEqual([a, b, false]);
});

test('every word one edit away keeps the first half or the rest after the middle letter', () => {
  const words = ['password', 'pasword', 'installation', 'пароль', 'heslo', 'abcd'];
  for (const w of words) {
    const k = correctionKeys(w);
    const letters = [...w];
    const variants = new Set<string>();
    const alphabet = ['x', ...new Set(letters)];
    for (let i = 0; i <= letters.length; i++) {
      for (const c of alphabet) variants.add([...letters.slice(0, i), c, ...letters.slice(i)].join(''));
      if (i < letters.length) {
        variants.add([...letters.slice(0, i), ...letters.slice(i + 1)].join(''));
        for (const c of alphabet) variants.add([...letters.slice(0, i), c, ...letters.slice(i + 1)].join(''));
      }
      if (i + 1 < letters.length)
        variants.add([...letters.slice(0, i), letters[i + 1], letters[i], ...letters.slice(i + 2)].join(''));
    }
    for (const v of variants) {
      expect(withinOneEdit(w, v)).toBe(true);
      const found = v.startsWith(k.head) || [...v].reverse().join('').startsWith(k.reversedTail);
      expect([w, v, found && k.lengths.includes([...v].length)]).toEqual([w, v, true]);
    }
  }
});

test('the vocabulary keeps folded words of 4 to 40 letters, no numbers, no operators', () => {
  expect(kbTermsOf('Reset the PASSWORD: Účet ёлка 2026 x"); DROP TABLE kb_terms;-- ' + 'a'.repeat(41))).toEqual([
    'reset',
    'password',
    'ucet',
    'елка',
    'drop',
    'table',
    'terms',
  ]);
});
