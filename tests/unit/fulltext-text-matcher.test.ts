import { textMatcher } from '../../src/db/fulltext-check';

const long = (n: number, letter: string) => letter.repeat(n);

test('InnoDB never finds a word longer than 84 characters, nor one under 3 or a stop word; FTS5 finds them all', () => {
  const text = `key ${long(84, 'a')} and ${long(85, 'b')} in the ox pen`;
  const mysql = (w: string) => textMatcher('mysql', [w])(text);
  const sqlite = (w: string) => textMatcher('sqlite', [w])(text);
  expect(mysql('aaaa')).toBe(true);
  expect(mysql('bbbb')).toBe(false);
  expect(sqlite('bbbb')).toBe(true);
  expect(mysql('pen')).toBe(true);
  expect(mysql('ox')).toBe(false);
  expect(sqlite('ox')).toBe(true);
});

test('every word must start a word of the text; `_` joins words only on InnoDB', () => {
  const text = 'printer_queue stuck again';
  expect(textMatcher('mysql', ['queue'])(text)).toBe(false);
  expect(textMatcher('sqlite', ['queue'])(text)).toBe(true);
  expect(textMatcher('mysql', ['printer_q', 'stu'])(text)).toBe(true);
  expect(textMatcher('sqlite', ['stuck', 'gain'])(text)).toBe(false);
});
