import type { Request } from 'express';
import type { AdminActor } from '../../categories/categories.service';
import { isLanguage, type LanguageCode } from '../../i18n/i18n';
import type { Services } from '../app-services';

/** Who is making an administrative change, for the audit log. */
export const adminActorOf = (req: Request): AdminActor => ({
  id: req.user!.id,
  name: req.user!.name,
  ip: req.ip ?? null,
});

/** The help desk's default language: the one whose name every catalog entry must have. */
export async function defaultLanguageOf(services: Services): Promise<LanguageCode> {
  const lng = await services.settings.get('helpdesk.language');
  return isLanguage(lng) ? lng : 'en';
}

/** The request body as a plain record (missing for an empty post). */
export const formBody = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};

/** Keeps what was typed for the form shown again: strings, and lists of strings, only. */
export function keptForm(body: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf') continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}
