import { createI18n, languageCodes, localeNamespaces } from '../../src/i18n/i18n';
import { translatorFor } from '../../src/i18n/remembered-texts';
import { fillTemplate, plainDefaultOf, templateOf } from '../../src/i18n/text-values';

const i18n = createI18n();

/** Every key of every locale file, flattened ("a.b.c"), with its placeholders. */
function keysOf(language: string): Array<{ key: string; names: string[] }> {
  const out: Array<{ key: string; names: string[] }> = [];
  const walk = (prefix: string, value: unknown) => {
    if (typeof value === 'string')
      out.push({ key: prefix, names: [...value.matchAll(/\{\{(.+?)\}\}/g)].map((m) => m[1]!.trim()) });
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
  };
  for (const ns of localeNamespaces()) walk('', i18n.getResourceBundle(language, ns));
  return out;
}

test('every text with values, in every language, is the text i18next gives (asked twice: the second is filled here)', () => {
  for (const language of languageCodes) {
    const t = translatorFor(i18n, language);
    const reference = i18n.getFixedT(language);
    for (const { key, names } of keysOf(language)) {
      // Values of every kind a page passes: markup (escaped by the view, never here), "$t(" and "{{", numbers.
      const options: Record<string, unknown> = {};
      names.forEach((n, i) => {
        options[n] = i % 3 === 0 ? `<b>"x" & {{y}} $t(nav.tickets) ${i}` : i % 3 === 1 ? i * 7 : `$&${i}`;
      });
      const expected = reference(key, { ...options });
      expect(t(key, { ...options })).toBe(expected);
      expect(t(key, { ...options })).toBe(expected);
      expect(t(key, { ...options, defaultValue: 'other' })).toBe(reference(key, { ...options, defaultValue: 'other' }));
    }
  }
});

test('a missing key with a default gives the default; anything more than substitution goes to i18next', () => {
  const t = translatorFor(i18n, 'sk');
  const reference = i18n.getFixedT('sk');
  for (let i = 0; i < 2; i++) {
    expect(t('event.nosuch_thing', { defaultValue: 'ticket.nosuch' })).toBe('ticket.nosuch');
    expect(t('event.nosuch_thing', { defaultValue: 'A {{x}}', x: 'y' })).toBe(
      reference('event.nosuch_thing', { defaultValue: 'A {{x}}', x: 'y' }),
    );
    expect(t('staffList.count', { count: 3 })).toBe(reference('staffList.count', { count: 3 }));
    expect(t('staffList.count', { count: 1 })).toBe(reference('staffList.count', { count: 1 }));
    expect(t('staffList.selectOne', { id: 'ABC' })).toBe(reference('staffList.selectOne', { id: 'ABC' }));
    expect(t('staffList.selectOne', { id: 'ABC', lng: 'en' })).toBe(
      reference('staffList.selectOne', { id: 'ABC', lng: 'en' }),
    );
    expect(t('staffList.selectOne', { id: { a: 1 } })).toBe(reference('staffList.selectOne', { id: { a: 1 } }));
    expect(t('staffList.selectOne', {})).toBe(reference('staffList.selectOne', {}));
    expect(t('staffList.selectOne', { id: 'A', other: 'B' })).toBe(
      reference('staffList.selectOne', { id: 'A', other: 'B' }),
    );
  }
});

test('templates: placeholders i18next fills itself are not taken', () => {
  expect(templateOf('a $t(b) {{c}}')).toBeNull();
  expect(templateOf('a {{- c}}')).toBeNull();
  expect(templateOf('a {{c, number}}')).toBeNull();
  expect(templateOf('a {{c.d}}')).toBeNull();
  expect(templateOf('{{count}} items')).toBeNull();
  expect(templateOf({ a: 1 })).toBeNull();
  const template = templateOf('From {{ from }} to {{to}}.')!;
  expect(fillTemplate(template, { from: 'x', to: 2 })).toBe('From x to 2.');
  expect(fillTemplate(template, { from: 'x' })).toBeUndefined();
  expect(fillTemplate(template, { from: 'x', to: null })).toBeUndefined();
  expect(fillTemplate(template, { from: 'x', to: 'y', ns: 'z' })).toBeUndefined();
  // A value the text does not use is left out, as i18next leaves it.
  expect(fillTemplate(template, { from: 'x', to: 'y', helpdesk: 'z' })).toBe('From x to y.');
  expect(plainDefaultOf({ defaultValue: 'x' })).toBe('x');
  expect(plainDefaultOf({ defaultValue: '' })).toBeUndefined();
  expect(plainDefaultOf({ defaultValue: 'x', y: 1 })).toBeUndefined();
});
