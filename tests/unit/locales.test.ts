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

/** Texts that read the same in the language as in English, on purpose (product words that are the same). */
const sameAsEnglish: Record<string, string[]> = {
  sk: ['mailSettings.serverTitle', 'settings.label.mail.smtpHost', 'settings.label.mail.smtpPort'],
};

test.each(languageCodes.filter((l) => l !== 'en'))('%s: no text left in English', (lng) => {
  const flat = (tree: unknown, prefix: string): Array<[string, string]> =>
    typeof tree === 'object' && tree !== null
      ? Object.entries(tree).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k))
      : [[prefix, String(tree)]];
  const en = new Map(flat(load('en'), ''));
  // Two English-looking words in a row, placeholders aside: a sentence, not a product name like "SMTP".
  const sentence = (text: string) => /[A-Za-z]{4,}\s+[A-Za-z]{3,}/.test(text.replace(/\{\{[^}]*\}\}/g, ''));
  const untranslated = flat(load(lng), '')
    .filter(([key, text]) => en.get(key) === text && sentence(text) && !sameAsEnglish[lng]?.includes(key))
    .map(([key]) => key);
  expect(untranslated).toEqual([]);
});
