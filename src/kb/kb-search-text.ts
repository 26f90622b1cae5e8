import { foldText } from '../db/fold';
import { searchWords } from '../db/fulltext';

/** The words of a visitor's search, as the index is asked for them (see searchWords). */
export const kbSearchWords = (query: string): string[] => searchWords(query.slice(0, 500));

/** Separates the parts of search_text (a control character the forms refuse anyway). */
export const kbSearchTextSeparator = '\u001f';

/**
 * A version's text as PostgreSQL's index reads it: keywords, title and body, each folded here
 * (foldText: lower case, diacritics off, ё→е) so the result never depends on the database
 * cluster's locale, joined by the separator (the index weighs the parts differently).
 */
export function kbSearchText(v: { keywords: string; title: string; body: string }): string {
  return [v.keywords, v.title, v.body]
    .map((part) => foldText(part).split(kbSearchTextSeparator).join(' '))
    .join(kbSearchTextSeparator);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Markdown as the words a reader sees, for snippets: no markup, link targets, images, code
 * fences or HTML tags (their text stays).
 */
export function markdownToPlain(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]{0,300}>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[*_`~|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const wordChar = /[\p{L}\p{N}]/u;

/**
 * `chars` folded one for one (foldText), for matching. The whole text is folded at once; only
 * when that changes the number of characters (a decomposed accent, a letter whose lower case is
 * two) is each character folded alone. A search page folds 20 bodies: this is most of its CPU.
 */
function foldedChars(chars: string[]): string[] {
  const whole = [...foldText(chars.join(''))];
  return whole.length === chars.length ? whole : chars.map((c) => foldText(c).charAt(0) || c);
}

/** Where each word starting with one of the (folded) search words begins and ends in `chars`. */
function matchRanges(chars: string[], words: string[]): Array<[number, number]> {
  const folded = foldedChars(chars);
  const isWordChar = (c: string | undefined) => {
    if (c === undefined) return false;
    const code = c.charCodeAt(0);
    // ASCII letters and digits without the Unicode regex: nearly every character of a text.
    if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    return wordChar.test(c);
  };
  const wanted = words.map((w) => [...foldText(w)]);
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < chars.length; i++) {
    if (!isWordChar(chars[i]) || isWordChar(chars[i - 1])) continue;
    let end = i;
    while (isWordChar(chars[end])) end++;
    const hit = wanted.find((w) => w.length <= end - i && w.every((c, k) => folded[i + k] === c));
    if (hit) ranges.push([i, i + hit.length]);
    i = end;
  }
  return ranges;
}

/** `chars[from, to)` escaped, with the matched prefixes in <mark>: safe to print unescaped. */
function markedHtml(chars: string[], ranges: Array<[number, number]>, from: number, to: number): string {
  let html = '';
  let at = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    html +=
      escapeHtml(chars.slice(at, Math.max(s, at)).join('')) +
      '<mark>' +
      escapeHtml(chars.slice(Math.max(s, at), Math.min(e, to)).join('')) +
      '</mark>';
    at = Math.min(e, to);
  }
  return html + escapeHtml(chars.slice(at, to).join(''));
}

/** A title with the searched words highlighted, as escaped HTML. */
export function highlightedTitle(title: string, words: string[]): string {
  const chars = [...title];
  return markedHtml(chars, matchRanges(chars, words), 0, chars.length);
}

/**
 * About `length` characters of an article's text around its first matched word, escaped, with
 * the matches highlighted and an ellipsis where text was cut.
 */
export function snippetHtml(markdown: string, words: string[], length = 180): string {
  const chars = [...markdownToPlain(markdown)];
  const ranges = matchRanges(chars, words);
  const first = ranges[0]?.[0] ?? 0;
  let from = Math.max(0, first - Math.floor(length / 3));
  while (from > 0 && chars[from - 1] !== ' ') from--;
  let to = Math.min(chars.length, from + length);
  while (to < chars.length && chars[to] !== ' ' && to - from < length + 30) to++;
  return (from > 0 ? '… ' : '') + markedHtml(chars, ranges, from, to).trim() + (to < chars.length ? ' …' : '');
}
