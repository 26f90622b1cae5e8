import { z } from 'zod';
import { languageCodes, type LanguageCode } from '../i18n/i18n';

/** A name in some of the five languages; a missing one falls back (see pickName). */
export type Names = Partial<Record<LanguageCode, string>>;

/** Reads a stored `names` column; anything unreadable counts as "no translations". */
export function parseNames(stored: unknown): Names {
  if (typeof stored !== 'string' || stored === '') return {};
  try {
    const value = JSON.parse(stored) as unknown;
    if (!value || typeof value !== 'object') return {};
    const out: Names = {};
    for (const code of languageCodes) {
      const v = (value as Record<string, unknown>)[code];
      if (typeof v === 'string' && v.trim()) out[code] = v;
    }
    return out;
  } catch {
    return {};
  }
}

export function storeNames(names: Names): string | null {
  const kept = Object.fromEntries(Object.entries(names).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
  return Object.keys(kept).length ? JSON.stringify(kept) : null;
}

/**
 * The name to show a viewer: their language, else what the built-in texts say (built-in
 * statuses and priorities are translated in the locale files), else the help desk's default
 * language, else the stored name.
 */
export function pickName(
  names: Names,
  viewer: string,
  defaultLanguage: string,
  fallback: string,
  builtinText?: string | null,
): string {
  return names[viewer as LanguageCode] ?? builtinText ?? names[defaultLanguage as LanguageCode] ?? fallback;
}

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** One line of text an admin types: trimmed, no control characters, at most `max` characters. */
export const lineText = (max: number) =>
  z
    .string({ error: 'form.invalid' })
    .trim()
    .max(max, { error: 'form.tooLong' })
    .refine((v) => !controlCharacters.test(v), { error: 'form.invalidCharacters' });

/** The ticked boxes of a form (staff, categories): one value or a list of at most 1000 ids. */
export const checkedIds = () =>
  z
    .union([z.string(), z.array(z.string()).max(1000)], { error: 'form.invalid' })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(
      z.array(
        z
          .string()
          .regex(/^\d{1,9}$/, { error: 'form.invalid' })
          .transform(Number),
      ),
    )
    .optional()
    .default([]);

/**
 * The "name in each language" inputs (`<prefix>_en`, `<prefix>_sk`, …). The default language's
 * name is required; the others may stay empty and then fall back to it.
 */
export function namesSchema(prefix: string, max: number, defaultLanguage: LanguageCode) {
  const shape = Object.fromEntries(
    languageCodes.map((code) => [`${prefix}_${code}`, lineText(max).optional().default('')]),
  ) as Record<string, z.ZodType<string>>;
  return z.object(shape).superRefine((v, ctx) => {
    if (!v[`${prefix}_${defaultLanguage}`])
      ctx.addIssue({ code: 'custom', path: [`${prefix}_${defaultLanguage}`], message: 'form.required' });
  });
}

export function namesFromForm(values: Record<string, string>, prefix: string): Names {
  const out: Names = {};
  for (const code of languageCodes) if (values[`${prefix}_${code}`]) out[code] = values[`${prefix}_${code}`];
  return out;
}

export function formFromNames(
  names: Names,
  prefix: string,
  fallback: string,
  defaultLanguage: string,
): Record<string, string> {
  return Object.fromEntries(
    languageCodes.map((code) => [`${prefix}_${code}`, names[code] ?? (code === defaultLanguage ? fallback : '')]),
  );
}

/** Zod issues as `{ field: locale key }`, the first problem of each field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues)
    errors[String(issue.path[0] ?? 'form')] ??= issue.message.includes('.') ? issue.message : 'form.invalid';
  return errors;
}
