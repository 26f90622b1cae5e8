import type { Request } from 'express';
import { isLanguage } from '../../i18n/i18n';
import type { KbReader } from '../../kb/kb-public.service';

/**
 * The language a visitor reads articles in: the detected one reduced to its base code (a browser
 * asking for "ru-RU" reads the "ru" versions), else English; and the help desk's default.
 */
export function kbReaderOf(req: Request, defaultLanguage: string): KbReader {
  const base = (req.language || '').split('-')[0]!.toLowerCase();
  return { language: isLanguage(base) ? base : 'en', fallbackLanguage: defaultLanguage };
}
