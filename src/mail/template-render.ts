import ejs from 'ejs';
import { mailStyle } from './html-style';
import { stripControl } from './mail.schema';
import { linkify } from '../tickets/message-text';

/** Splits user text into paragraphs of lines, so HTML keeps its line breaks with every value escaped. */
export function paragraphs(text: string): string[][] {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t]*\n+/)
    .map((p) => p.split('\n'));
}

/** `{{ name }}`: the only syntax an admin's template text has. */
export const placeholderPattern = /\{\{\s*([a-z_]+)\s*\}\}/g;

type Filled = { values: Map<string, string>; links: Set<string> };

/**
 * Replaces each known placeholder with its value in one pass, so a value that itself contains
 * `{{…}}` (a customer named "{{reply_text}}") stays text. Unknown ones stay as typed.
 */
function fill(
  text: string,
  values: Map<string, string>,
  each: (name: string, value: string) => string,
  other: (typed: string) => string,
): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(placeholderPattern)) {
    out += other(text.slice(last, m.index));
    const value = values.get(m[1]!);
    out += value === undefined ? other(m[0]) : each(m[1]!, value);
    last = m.index + m[0].length;
  }
  return out + other(text.slice(last));
}

const escapeHtml = (s: string) => ejs.escapeXML(s);
/** Placeholders holding a message's text: their links are made clickable as on the pages. */
const messageTextPlaceholders = new Set(['reply_text']);
const id = (s: string) => s;

export function renderSubject(subject: string, filled: Filled): string {
  return stripControl(fill(subject, filled.values, (_n, v) => v, id));
}

export function renderText(body: string, filled: Filled): string {
  return fill(body.replace(/\r\n?/g, '\n').trim(), filled.values, (_n, v) => v, id);
}

/**
 * The HTML part: the admin's text escaped, paragraphs and line breaks kept, every value escaped
 * and a link placeholder made a link (its value is a URL the mail's schema already checked).
 */
export function renderHtml(body: string, filled: Filled): string {
  const value = (name: string, v: string) => {
    if (filled.links.has(name)) return `<a href="${escapeHtml(v)}" style="${mailStyle.link}">${escapeHtml(v)}</a>`;
    const line = messageTextPlaceholders.has(name)
      ? (text: string) => linkify(text, { style: mailStyle.link })
      : escapeHtml;
    return v.split('\n').map(line).join('<br>');
  };
  return paragraphs(body)
    .map(
      (lines) =>
        `<p style="${mailStyle.p}">${lines.map((line) => fill(line, filled.values, value, escapeHtml)).join('<br>')}</p>`,
    )
    .join('\n');
}
