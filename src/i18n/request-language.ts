import type { RequestHandler } from 'express';
import type { i18n } from 'i18next';
import { translatorFor } from './remembered-texts';

type Detector = {
  detect(req: unknown, res: unknown): string | string[] | undefined;
  cacheUserLanguage(req: unknown, res: unknown, lng: string): void;
};

/**
 * Per request: the visitor's language, found by the detector of createI18n (?lang=, the cookie,
 * Accept-Language), and t() for it. i18next-http-middleware cloned the whole i18next instance and
 * switched its language on every request (about a tenth of a customer page's CPU); here each
 * language's t() is made once and shared, its plain texts remembered (they never change while running).
 */
export function requestLanguage(instance: i18n): RequestHandler {
  const detector = instance.services.languageDetector as Detector;
  const fallback = ([] as string[]).concat((instance.options.fallbackLng as string | string[]) ?? 'en')[0] ?? 'en';
  return (req, res, next) => {
    const detected = detector.detect(req, res);
    const lng = (Array.isArray(detected) ? detected[0] : detected) || fallback;
    // The detector answers supported languages only, so the remembered translators stay few.
    const t = translatorFor(instance, lng);
    req.language = lng;
    req.i18n = instance;
    req.t = t;
    res.setHeader('Content-Language', lng);
    res.locals.t = t;
    res.locals.i18n = instance;
    res.locals.language = lng;
    detector.cacheUserLanguage(req, res, lng);
    next();
  };
}
