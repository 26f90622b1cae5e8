import type { i18n, TFunction } from 'i18next';
import { fillTemplate, plainDefaultOf, templateOf, type TextTemplate } from './text-values';

/**
 * A language's translate function, with the texts that take no values remembered: for mail and
 * for every page (request-language.ts). Each i18next call copies its options and searches every
 * locale file in turn: ~10 µs, a dozen to twenty times per mail and more per page. The locale files are loaded once at start and never change
 * while the process runs, so a text without values is the same every time it is asked for.
 */
const fixedTexts = new WeakMap<i18n, Map<string, TFunction>>();

export function translatorFor(texts: i18n, language: string): TFunction {
  let byLanguage = fixedTexts.get(texts);
  if (!byLanguage) {
    byLanguage = new Map();
    fixedTexts.set(texts, byLanguage);
  }
  let t = byLanguage.get(language);
  if (!t) {
    t = rememberingPlainTexts(texts, language);
    byLanguage.set(language, t);
  }
  return t;
}

type Translate = ((...args: unknown[]) => string) & { lng?: string };
const missingLimit = 200;
const missingKeyLength = 120;

/** How many texts (and missing keys) a language's translator remembers, for tests: it must stay bounded whatever is asked for. */
const rememberedCounts = new WeakMap<TFunction, () => number>();
export function rememberedTextCount(t: TFunction): number {
  return rememberedCounts.get(t)?.() ?? 0;
}

function rememberingPlainTexts(texts: i18n, language: string): TFunction {
  const t = texts.getFixedT(language) as unknown as Translate;
  const known = new Map<string, string>();
  // A missing key costs i18next far more than a found one (~0.3 ms), and a few pages ask for optional
  // ones (settings.help.*): those are remembered too, but a missing key may be any string a visitor
  // sent, so only short ones and at most `missingLimit` of them (emptied when full).
  const missing = new Set<string>();
  // Texts asked for with values: their raw text split at the placeholders (null: i18next's to fill), see text-values.ts.
  const templates = new Map<string, TextTemplate | null>();
  const withValues = (key: string, options: Record<string, unknown>): string | undefined => {
    if (missing.has(key)) return plainDefaultOf(options);
    if (!known.has(key)) return undefined; // asked for the first time: i18next answers, and the next ask is known
    let template = templates.get(key);
    if (template === undefined) {
      template = templateOf(t(key, { skipInterpolation: true }));
      templates.set(key, template);
    }
    return template ? fillTemplate(template, options) : undefined;
  };
  // A list of keys (the first that exists wins, e.g. a mail subject in its area's file or in mail's): which
  // one, remembered per list. The lists are written in the code; bounded like the missing keys all the same.
  const chosen = new Map<string, string | null>();
  const firstExisting = (keys: string[]): string | null => {
    const list = keys.join('\n');
    let key = chosen.get(list);
    if (key === undefined) {
      key = keys.find((k) => texts.exists(k, { lng: language })) ?? null;
      if (chosen.size >= missingLimit) chosen.clear();
      chosen.set(list, key);
    }
    return key;
  };
  const remembering: Translate = (key, ...rest) => {
    if (Array.isArray(key) && key.every((k) => typeof k === 'string')) {
      const first = firstExisting(key);
      return first === null ? t(key, ...rest) : remembering(first, ...rest);
    }
    if (typeof key !== 'string') return t(key, ...rest);
    if (rest.length > 0) {
      const options = rest.length === 1 && isPlainObject(rest[0]) ? rest[0] : null;
      const text = options ? withValues(key, options) : undefined;
      if (text !== undefined) return text;
      const answer = t(key, ...rest);
      if (options && !known.has(key) && !missing.has(key)) remembering(key); // learns whether the key exists
      return answer;
    }
    if (missing.has(key)) return key;
    let text = known.get(key);
    if (text === undefined) {
      text = t(key);
      if (texts.exists(key, { lng: language })) known.set(key, text);
      else if (text === key && key.length <= missingKeyLength) {
        if (missing.size >= missingLimit) missing.clear();
        missing.add(key);
      }
    }
    return text;
  };
  remembering.lng = t.lng;
  const result = remembering as unknown as TFunction;
  rememberedCounts.set(result, () => known.size + missing.size + templates.size + chosen.size);
  return result;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
