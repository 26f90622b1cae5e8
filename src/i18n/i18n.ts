import i18next, { type i18n } from 'i18next';
import FsBackend from 'i18next-fs-backend';
import { LanguageDetector } from 'i18next-http-middleware';
import { fromRoot } from '../paths';

export const languages = [
  { code: 'en', name: 'English' },
  { code: 'sk', name: 'Slovenčina' },
  { code: 'ru', name: 'Русский' },
  { code: 'hu', name: 'Magyar' },
  { code: 'lv', name: 'Latviešu' },
] as const;
export type LanguageCode = (typeof languages)[number]['code'];
export const languageCodes = languages.map((l) => l.code) as [LanguageCode, ...LanguageCode[]];

export function isLanguage(code: unknown): code is LanguageCode {
  return typeof code === 'string' && (languageCodes as string[]).includes(code);
}

/**
 * One i18next instance with every language loaded synchronously from src/i18n/locales at start,
 * so no request waits for a file. Request detection: ?lang= (the language switch), then the
 * remembered cookie, then the browser's Accept-Language.
 */
export function createI18n(fallbackLng: LanguageCode = 'en'): i18n {
  const instance = i18next.createInstance();
  void instance
    .use(FsBackend)
    .use(LanguageDetector)
    .init({
      initAsync: false,
      preload: [...languageCodes],
      supportedLngs: [...languageCodes],
      fallbackLng,
      load: 'languageOnly',
      ns: ['translation'],
      defaultNS: 'translation',
      interpolation: { escapeValue: false }, // views escape with <%= %>
      returnNull: false,
      backend: { loadPath: fromRoot('src', 'i18n', 'locales', '{{lng}}', '{{ns}}.json') },
      detection: {
        order: ['querystring', 'cookie', 'header'],
        lookupQuerystring: 'lang',
        lookupCookie: 'tessera.lang',
        caches: ['cookie'],
        cookieSameSite: 'lax',
      },
    });
  return instance;
}
