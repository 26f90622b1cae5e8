import { foldText } from '../../src/db/fold';
import { highlightedTitle, kbSearchWords, markdownToPlain, snippetHtml } from '../../src/kb/kb-search-text';

test('search words keep letters and digits only, lower case, at most eight', () => {
  expect(kbSearchWords(`+Reset* "password" -(now) ~x @3 <a> 'b' ; DROP--`)).toEqual([
    'reset',
    'password',
    'now',
    'drop',
  ]);
  expect(kbSearchWords('Сброс ПАРОЛЯ')).toEqual(['сброс', 'пароля']);
  expect(kbSearchWords('a b c d e f g h i j k l m n o p q r s t u v w x y z'.replace(/ /g, 'x '))).toHaveLength(8);
  expect(kbSearchWords('x'.repeat(100))[0]).toHaveLength(40);
});

test('folding drops diacritics of the five languages and the Cyrillic ё', () => {
  expect(foldText('Obnoviť ÚČET Jelszó Pieteikšanās Учётная ЁЛКА')).toBe(
    'obnovit ucet jelszo pieteiksanas учетная елка',
  );
});

test('Markdown becomes the text a reader sees', () => {
  expect(
    markdownToPlain('# Title\n\n**Bold** and [a link](http://x) ![img](y.png)\n- item\n```js\ncode()\n```\n<b>tag</b>'),
  ).toBe('Title Bold and a link img item code() tag');
});

test('titles and snippets mark word prefixes, whatever the diacritics, and escape everything else', () => {
  expect(highlightedTitle('Obnovenie hesla <b>', ['hesl'])).toBe('Obnovenie <mark>hesl</mark>a &#60;b&#62;');
  expect(highlightedTitle('Účet a účtovanie', ['uc'])).toBe('<mark>Úč</mark>et a <mark>úč</mark>tovanie');
  expect(highlightedTitle('reprint print', ['print'])).toBe('reprint <mark>print</mark>');
  const long = `${'lorem ipsum '.repeat(40)}the printer "A&B" is here ${'dolor sit '.repeat(40)}`;
  const snippet = snippetHtml(long, ['printer']);
  expect(snippet).toMatch(/^… .*<mark>printer<\/mark> &#34;A&#38;B&#34; is here .* …$/);
  expect(snippet.length).toBeLessThan(300);
  expect(snippetHtml('no match here', ['zzz'])).toBe('no match here');
});
