import ejs from 'ejs';

/**
 * Message text as HTML with its web and mail links clickable: the one renderer of a message's
 * body for the customer pages, the staff pages and the HTML mail. Everything is escaped; only
 * http, https and mailto links become anchors (a `javascript:` or `data:` text never matches),
 * with rel="noopener noreferrer nofollow" (the writer is a stranger; no ranking for their links).
 * Links open in the same tab, as every other link of the house does.
 */

// The escaper of every other HTML the help desk writes (views, mail templates).
const escapeHtml = (text: string): string => ejs.escapeXML(text);

// A run of non-space characters starting with a scheme we link; quotes and angle brackets end it.
const candidate = /\b(?:https?:\/\/|mailto:)[^\s<>"]+/gi;
const maxUrlLength = 2048;
const closers: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Drops punctuation that ends the sentence rather than the link: "see https://x.example/a." (linear: counted once). */
function trimTrailing(url: string): string {
  const unmatched: Record<string, number> = {};
  for (const [close, open] of Object.entries(closers)) unmatched[close] = count(url, close) - count(url, open);
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1]!;
    if (/[.,;:!?'*]/.test(last)) end--;
    else if (unmatched[last] !== undefined && unmatched[last] > 0) {
      unmatched[last]--;
      end--;
    } else break;
  }
  return url.slice(0, end);
}
const count = (text: string, char: string) => text.split(char).length - 1;

function isLinkable(url: string): boolean {
  if (url.length > maxUrlLength) return false;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'mailto:') return /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(parsed.pathname));
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

export type LinkOptions = { style?: string };

/** Escaped text with its links as anchors; line breaks stay as they are (pre-wrap or <br> by the caller). */
export function linkify(text: string, opts: LinkOptions = {}): string {
  const style = opts.style ? ` style="${escapeHtml(opts.style)}"` : '';
  let out = '';
  let last = 0;
  for (const m of text.matchAll(candidate)) {
    const url = trimTrailing(m[0]);
    if (!url || !isLinkable(url)) continue;
    out += escapeHtml(text.slice(last, m.index));
    out += `<a href="${escapeHtml(url)}" rel="noopener noreferrer nofollow"${style}>${escapeHtml(url)}</a>`;
    last = m.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
}
