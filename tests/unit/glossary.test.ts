import fs from 'node:fs';
import { languageCodes, localeNamespaces } from '../../src/i18n/i18n';
import { fromRoot } from '../../src/paths';

/**
 * One word for one thing (docs/glossary): for every language, the variants its glossary rules
 * out occur in none of its texts. A variant is a regular expression matched case-insensitively
 * at the start of a word (so a stem catches every case ending); `except` names the keys where
 * the same letters mean something else, each with its reason in the glossary.
 */
type Rule = { term: string; use: string; forbidden: string[]; except?: string[] };

const rulesOf = (lng: string): Rule[] =>
  JSON.parse(fs.readFileSync(fromRoot('docs', 'glossary', `${lng}.forbidden.json`), 'utf8')) as Rule[];

function textsOf(lng: string): Array<[string, string]> {
  const flat = (tree: unknown, prefix: string): Array<[string, string]> =>
    typeof tree === 'object' && tree !== null
      ? Object.entries(tree).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k))
      : [[prefix, String(tree).replace(/\{\{[^}]*\}\}/g, ' ')]];
  return localeNamespaces().flatMap((ns) =>
    flat(JSON.parse(fs.readFileSync(fromRoot('src', 'i18n', 'locales', lng, `${ns}.json`), 'utf8')), ''),
  );
}

const variant = (pattern: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${pattern})`, 'iu');

/** Every text of the language that uses a ruled-out variant: "key: variant in «text»". */
function glossaryBreaches(rules: Rule[], texts: Array<[string, string]>): string[] {
  return rules.flatMap((rule) =>
    rule.forbidden.flatMap((pattern) =>
      texts
        .filter(([key, text]) => !rule.except?.includes(key) && variant(pattern).test(text))
        .map(([key, text]) => `${key}: "${pattern}" (use "${rule.use}" for ${rule.term}) in «${text}»`),
    ),
  );
}

describe.each(languageCodes)('%s', (lng) => {
  test('has a glossary and a list of ruled-out variants', () => {
    expect(fs.existsSync(fromRoot('docs', 'glossary', `${lng}.md`))).toBe(true);
    const rules = rulesOf(lng);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      // A variant that matched the chosen word itself would make the list impossible to follow.
      expect(rule.forbidden.filter((p) => variant(p).test(rule.use))).toEqual([]);
    }
  });

  test('its texts use no ruled-out variant', () => {
    expect(glossaryBreaches(rulesOf(lng), textsOf(lng))).toEqual([]);
  });
});

test('a ruled-out variant is found at the start of a word in any case, and not inside another word', () => {
  const rules: Rule[] = [{ term: 'tracking ID', use: 'sledovací kód', forbidden: ['sledovaci\\p{L}* čísl'] }];
  expect(glossaryBreaches(rules, [['a', 'Zadajte Sledovacie číslo.']])).toHaveLength(1);
  expect(glossaryBreaches(rules, [['a', 'Bez sledovacieho čísla to nejde.']])).toHaveLength(1);
  expect(glossaryBreaches(rules, [['a', 'Zadajte sledovací kód.']])).toEqual([]);
  expect(glossaryBreaches(rules, [['a', 'nesledovacie čísla']])).toEqual([]);
  expect(glossaryBreaches([{ ...rules[0]!, except: ['a'] }], [['a', 'sledovacie číslo']])).toEqual([]);
});
