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

test('only keys of the locale files are remembered: any string a visitor sends costs no memory', () => {
  const t = translatorFor(i18n, 'hu');
  t('mail.regards');
  const before = rememberedTextCount(t);
  for (let i = 0; i < 500; i++) expect(t(`ticket.done.nosuchnotice${'x'.repeat(i)}`)).toBe(`ticket.done.nosuchnotice${'x'.repeat(i)}`);
  expect(rememberedTextCount(t)).toBe(before);
  t('mail.footer.nope');
  t('submit.title');
  expect(rememberedTextCount(t)).toBe(before + 1);
});
