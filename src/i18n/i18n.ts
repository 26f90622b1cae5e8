import fs from 'node:fs';
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

const localesDir = fromRoot('src', 'i18n', 'locales');

/** The cookie that remembers a chosen language (the language switch, a staff member's profile). */
export const languageCookie = 'tessera.lang';
const yearMs = 365 * 24 * 3600_000;

/** How the language cookie is set: Secure whenever the request came over HTTPS (at the app or a trusted proxy). */
export function languageCookieOptions(secure: boolean) {
  return { path: '/', sameSite: 'lax' as const, secure, maxAge: yearMs };
}

type CookieRequest = { secure?: boolean; headers: { cookie?: string } };
type CookieResponse = {
  cookie?(name: string, value: string, options: ReturnType<typeof languageCookieOptions>): unknown;
};

/**
 * The detector's own cookie cache sets the same flags on every response, so behind an HTTPS
 * proxy the cookie went without Secure; this one decides per request.
 */
const languageCookieDetector = {
  name: 'tesseraCookie',
  lookup(req: CookieRequest): string | undefined {
    const pair = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${languageCookie}=`));
    return pair ? decodeURIComponent(pair.slice(languageCookie.length + 1)) : undefined;
  },
  cacheUserLanguage(req: CookieRequest, res: CookieResponse, lng: string): void {
    res.cookie?.(languageCookie, lng, languageCookieOptions(req.secure === true));
  },
};

/**
 * The locale files of one language: `translation` (the shared texts) and one file per area
 * (e.g. `admin-staff`), so areas add texts without touching each other's files. Keys are
 * looked up in every file, so views call t('staff.title') whatever file holds it.
 */
export function localeNamespaces(): string[] {
  const names = fs
    .readdirSync(`${localesDir}/en`)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
  return ['translation', ...names.filter((n) => n !== 'translation').sort()];
}

/**
 * One i18next instance with every language loaded synchronously from src/i18n/locales at start,
 * so no request waits for a file. Request detection: ?lang= (the language switch), then the
 * remembered cookie, then the browser's Accept-Language.
 */
export function createI18n(fallbackLng: LanguageCode = 'en'): i18n {
  const instance = i18next.createInstance();
  const namespaces = localeNamespaces();
  const detector = new LanguageDetector();
  detector.addDetector(languageCookieDetector as unknown as Parameters<LanguageDetector['addDetector']>[0]);
  void instance
    .use(FsBackend)
    .use(detector)
    .init({
      initAsync: false,
      preload: [...languageCodes],
      supportedLngs: [...languageCodes],
      fallbackLng,
      load: 'languageOnly',
      ns: namespaces,
      defaultNS: 'translation',
      fallbackNS: namespaces.slice(1),
      interpolation: { escapeValue: false }, // views escape with <%= %>
      returnNull: false,
      backend: { loadPath: `${localesDir}/{{lng}}/{{ns}}.json` },
      detection: {
        order: ['querystring', languageCookieDetector.name, 'header'],
        lookupQuerystring: 'lang',
        caches: [languageCookieDetector.name],
      },
    });
  return instance;
}
