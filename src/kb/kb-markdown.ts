import { createHash } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML in an article is off at the parser already; the sanitizer below is the second wall.
const markdownOptions = { html: false, linkify: true, typographer: false } as const;
const markdown = new MarkdownIt(markdownOptions);

/**
 * Where an article's image may come from: an address on the web (http/https; the page's CSP
 * still decides what loads), or a file attached to an article, served by our own route
 * (kbFileHref). Any other address on our origin is not an image source.
 */
const articleFileSrc = /^\/helpdesk\/kb\/\d{1,9}\/files\/\d{1,12}$/;
export const isAllowedKbImageSrc = (src: string | undefined) =>
  typeof src === 'string' && (/^https?:\/\/[^/]/i.test(src) || articleFileSrc.test(src));

/**
 * An article's Markdown as HTML that is safe to write into a page: structure, links, images and
 * code only; images only from the web or from an article's files; no script, style (attributes too: the page's CSP refuses inline style), event handlers, frames or forms; links to http(s)/mailto (and
 * relative ones) only; external links without a referrer.
 */
const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    'a',
    'b',
    'i',
    'em',
    'strong',
    's',
    'del',
    'p',
    'br',
    'ul',
    'ol',
    'li',
    'blockquote',
    'pre',
    'code',
    'hr',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'table',
    'thead',
    'tbody',
    'tr',
    'td',
    'th',
    'img',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // An image from anywhere else (a relative path, another page of ours) is dropped.
  exclusiveFilter: (frame) => frame.tag === 'img' && !isAllowedKbImageSrc(frame.attribs.src),
  // The page has one h1, the article's title: headings in the text start one level lower.
  transformTags: {
    h1: 'h2',
    a: (tagName, attribs) => ({
      tagName,
      attribs: /^https?:/i.test(attribs.href ?? '') ? { ...attribs, rel: 'noopener noreferrer nofollow' } : attribs,
    }),
  },
};

export function renderKbMarkdown(text: string): string {
  return sanitizeHtml(markdown.render(text), sanitizeOptions);
}

/** Every input of the renderer's rules as text: options (functions by their source), the image rule, and the libraries' versions. */
const describe = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'function' ? `fn:${String(v)}` : v instanceof RegExp ? `re:${String(v)}` : v,
  );
export const kbRenderInputs = (): string[] => [
  describe(markdownOptions),
  describe(sanitizeOptions),
  String(isAllowedKbImageSrc),
  String(articleFileSrc),
  `markdown-it@${(require('markdown-it/package.json') as { version: string }).version}`,
  `sanitize-html@${(require('sanitize-html/package.json') as { version: string }).version}`,
];

/** A positive 31-bit number named by the rules' inputs (it fits every database's integer column). */
export const kbRenderRevisionOf = (inputs: string[]): number =>
  Number.parseInt(createHash('sha256').update(inputs.join('\n')).digest('hex').slice(0, 8), 16) & 0x7fffffff || 1;

/**
 * The rules stored HTML was rendered with: derived at start-up from the options and allow-list
 * above and the installed markdown-it and sanitize-html versions, so an upgrade or a changed rule
 * is a new revision without anyone remembering to count it up. HTML stored under other rules is
 * rendered again per view (never served: it may be more permissive than today's rules) until the
 * kb-html job or a save stores it again. Stored at each save, so a page view renders no Markdown.
 */
export const kbHtmlRevision = kbRenderRevisionOf(kbRenderInputs());

/** A version's HTML for a page: the stored one when it was made under the current rules. */
export const kbVersionHtml = (v: { body: string; html: string | null; htmlRevision: number }): string =>
  v.html !== null && v.htmlRevision === kbHtmlRevision ? v.html : renderKbMarkdown(v.body);
