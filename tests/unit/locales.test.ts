import fs from 'node:fs';
import { languageCodes, localeNamespaces } from '../../src/i18n/i18n';
import { fromRoot } from '../../src/paths';

const pluralSuffix = /_(zero|one|two|few|many|other)$/;

function keysOf(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null
      ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`.replace(pluralSuffix, '')],
  );
}

const readFile = (lng: string, ns: string) =>
  JSON.parse(fs.readFileSync(fromRoot('src', 'i18n', 'locales', lng, `${ns}.json`), 'utf8')) as Record<string, unknown>;
/** Every file of a language merged, refusing a key that two files both define. */
function load(lng: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const ns of localeNamespaces()) {
    for (const [k, v] of Object.entries(readFile(lng, ns))) {
      if (k in merged) throw new Error(`${lng}: top-level key "${k}" is defined in ${ns}.json and in another file`);
      merged[k] = v;
    }
  }
  return merged;
}
const english = new Set(keysOf(load('en')));

test.each(languageCodes.filter((l) => l !== 'en'))('%s has every English text and nothing else', (lng) => {
  expect(fs.readdirSync(fromRoot('src', 'i18n', 'locales', lng)).sort()).toEqual(
    fs.readdirSync(fromRoot('src', 'i18n', 'locales', 'en')).sort(),
  );
  const keys = new Set(keysOf(load(lng)));
  expect([...english].filter((k) => !keys.has(k))).toEqual([]);
  expect([...keys].filter((k) => !english.has(k))).toEqual([]);
});

test('placeholders survive translation', () => {
  const flat = (tree: Record<string, unknown>, prefix = ''): Array<[string, string]> =>
    Object.entries(tree).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null
        ? flat(v as Record<string, unknown>, `${prefix}${k}.`)
        : [[`${prefix}${k}`, String(v)] as [string, string]],
    );
  const en = new Map(flat(load('en')).map(([k, v]) => [k.replace(pluralSuffix, ''), v]));
  for (const lng of languageCodes) {
    for (const [key, text] of flat(load(lng))) {
      const vars = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort().join();
      const source = en.get(key.replace(pluralSuffix, ''))!;
      expect(`${lng}:${key}:${vars(text).replace('{{count}}', '')}`).toBe(
        `${lng}:${key}:${vars(source).replace('{{count}}', '')}`,
      );
    }
  }
});
