import fs from 'node:fs';
import { languageCodes } from '../../src/i18n/i18n';
import { fromRoot } from '../../src/paths';

const pluralSuffix = /_(zero|one|two|few|many|other)$/;

function keysOf(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`.replace(pluralSuffix, '')],
  );
}

const load = (lng: string) => JSON.parse(fs.readFileSync(fromRoot('src', 'i18n', 'locales', lng, 'translation.json'), 'utf8')) as Record<string, unknown>;
const english = new Set(keysOf(load('en')));

test.each(languageCodes.filter((l) => l !== 'en'))('%s has every English text and nothing else', (lng) => {
  const keys = new Set(keysOf(load(lng)));
  expect([...english].filter((k) => !keys.has(k))).toEqual([]);
  expect([...keys].filter((k) => !english.has(k))).toEqual([]);
});

test('placeholders survive translation', () => {
  const flat = (tree: Record<string, unknown>, prefix = ''): Array<[string, string]> =>
    Object.entries(tree).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? flat(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)] as [string, string]]));
  const en = new Map(flat(load('en')).map(([k, v]) => [k.replace(pluralSuffix, ''), v]));
  for (const lng of languageCodes) {
    for (const [key, text] of flat(load(lng))) {
      const vars = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort().join();
      const source = en.get(key.replace(pluralSuffix, ''))!;
      expect(`${lng}:${key}:${vars(text).replace('{{count}}', '')}`).toBe(`${lng}:${key}:${vars(source).replace('{{count}}', '')}`);
    }
  }
});
