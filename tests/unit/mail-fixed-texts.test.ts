import { createI18n } from '../../src/i18n/i18n';
import { translatorFor } from '../../src/i18n/remembered-texts';

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
