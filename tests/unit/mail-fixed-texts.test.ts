import { createI18n } from '../../src/i18n/i18n';
import { rememberedTextCount, translatorFor } from '../../src/i18n/remembered-texts';

const i18n = createI18n();

test('a remembered text is the text i18next gives, per language', () => {
  for (const language of ['en', 'sk', 'ru']) {
    const t = translatorFor(i18n, language);
    expect(t('mail.regards')).toBe(i18n.getFixedT(language)('mail.regards'));
    expect(t('mail.regards')).toBe(i18n.getFixedT(language)('mail.regards'));
  }
  expect(translatorFor(i18n, 'sk')('mail.regards')).not.toBe(translatorFor(i18n, 'en')('mail.regards'));
  expect(translatorFor(i18n, 'en')).toBe(translatorFor(i18n, 'en'));
});

test('texts with values are never remembered: each call fills in its own', () => {
  const t = translatorFor(i18n, 'en');
  const a = t('mail.footer', { helpdesk: 'First Desk' });
  const b = t('mail.footer', { helpdesk: 'Second Desk' });
  expect(a).toContain('First Desk');
  expect(b).toContain('Second Desk');
  expect(t(['mail.nope.subject', 'mail.regards'])).toBe(i18n.getFixedT('en')(['mail.nope.subject', 'mail.regards']));
});

test('a list of keys gives the text of the first one that exists, with its values, as i18next does', () => {
  for (const language of ['en', 'sk', 'lv']) {
    const t = translatorFor(i18n, language);
    const fixed = i18n.getFixedT(language);
    for (let i = 0; i < 2; i++) {
      const values = { subject: `Printer ${i}`, helpdesk: 'Desk' };
      const keys = ['mail.staff_sla_warning.subject', 'staff_sla_warning.subject'];
      expect(t(keys, values)).toBe(fixed(keys, values));
      expect(t(keys, values)).toContain(`Printer ${i}`);
      expect(t(['mail.nope.subject', 'mail.regards'])).toBe(fixed(['mail.nope.subject', 'mail.regards']));
      expect(t(['mail.nope.a', 'mail.nope.b'])).toBe(fixed(['mail.nope.a', 'mail.nope.b']));
    }
  }
});

test('any number of strings a visitor sends costs bounded memory: long missing keys are never remembered, short ones at most 200', () => {
  const t = translatorFor(i18n, 'hu');
  t('mail.regards');
  const before = rememberedTextCount(t);
  for (let i = 0; i < 300; i++)
    expect(t(`ticket.done.${'x'.repeat(120 + i)}`)).toBe(`ticket.done.${'x'.repeat(120 + i)}`);
  expect(rememberedTextCount(t)).toBe(before);
  for (let i = 0; i < 1000; i++) expect(t(`ticket.done.nosuch${i}`)).toBe(`ticket.done.nosuch${i}`);
  expect(rememberedTextCount(t)).toBeGreaterThan(before);
  expect(rememberedTextCount(t)).toBeLessThanOrEqual(before + 200);
  // Keys of the locale files are still remembered, and give their text.
  expect(t('submit.title')).toBe(i18n.getFixedT('hu')('submit.title'));
  expect(t('submit.title')).not.toBe('submit.title');
});
