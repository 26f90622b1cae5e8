import { simpleParser, type AddressObject } from 'mailparser';
import sanitizeHtml from 'sanitize-html';

/** A received mail as staff read it: its main headers, the whole text, the HTML made safe, its files. */
export type OriginalMail = {
  headers: Array<{ name: string; value: string }>;
  /** The Date header, shown in the reader's time zone. */
  date: number | null;
  text: string;
  /** The HTML part after sanitizing (null when the mail has none): safe to write into a page. */
  html: string | null;
  /** Remote images left out because nobody asked for them (they tell the sender the mail was read). */
  blockedImages: number;
  attachments: Array<{ name: string; contentType: string; size: number }>;
};

const addresses = (field: AddressObject | AddressObject[] | undefined): string =>
  Array.isArray(field) ? field.map((f) => f.text).join(', ') : (field?.text ?? '');
const remote = /^https?:\/\//i;
/** Inline images of the mail itself (the parser turns cid: parts into data: URIs); no SVG, which can carry script. */
const inlineImage = /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i;

/**
 * A strict allow-list: text structure, links and images only. No style, class or id (no CSS to
 * hide or fake parts of our page), no forms, frames, scripts or event handlers. Links open
 * elsewhere without a referrer; a remote image keeps its address only when `remoteImages` is
 * asked for (the page's Content-Security-Policy enforces the same: see message-original.routes).
 */
export function sanitizeMailHtml(
  html: string,
  remoteImages: boolean,
  imageWord = 'image',
): { html: string; blockedImages: number } {
  let blockedImages = 0;
  const clean = sanitizeHtml(html, {
    allowedTags: [
      'a',
      'b',
      'i',
      'u',
      's',
      'em',
      'strong',
      'small',
      'sub',
      'sup',
      'p',
      'br',
      'div',
      'span',
      'ul',
      'ol',
      'li',
      'blockquote',
      'pre',
      'code',
      'hr',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'td',
      'th',
      'caption',
      'img',
    ],
    allowedAttributes: {
      span: ['data-blocked-image'],
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan', 'scope'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: remoteImages ? ['data', 'http', 'https'] : ['data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template'],
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
      }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        if ((remote.test(src) && remoteImages) || inlineImage.test(src))
          return { tagName, attribs: { ...attribs, src } as Record<string, string> };
        if (remote.test(src)) blockedImages++;
        // A placeholder that says what is missing, instead of a broken image.
        return {
          tagName: 'span',
          attribs: { 'data-blocked-image': '' } as Record<string, string>,
          text: `[${(attribs.alt ?? '').trim() || imageWord}]`,
        };
      },
    },
  });
  return { html: clean, blockedImages };
}

/** Parses a kept raw mail for the staff view (mailparser: MIME, charsets, encodings). */
export async function originalView(
  raw: Buffer,
  opts: { remoteImages: boolean; imageWord?: string },
): Promise<OriginalMail> {
  const parsed = await simpleParser(raw);
  const headers = [
    { name: 'From', value: addresses(parsed.from) },
    { name: 'To', value: addresses(parsed.to) },
    { name: 'Cc', value: addresses(parsed.cc) },
    { name: 'Reply-To', value: addresses(parsed.replyTo) },
    { name: 'Subject', value: parsed.subject ?? '' },
    { name: 'Message-ID', value: parsed.messageId ?? '' },
  ].filter((h) => h.value !== '');
  const html =
    typeof parsed.html === 'string' && parsed.html.trim()
      ? sanitizeMailHtml(parsed.html, opts.remoteImages, opts.imageWord)
      : null;
  return {
    headers,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.getTime() : null,
    text: parsed.text ?? '',
    html: html?.html ?? null,
    blockedImages: html?.blockedImages ?? 0,
    attachments: parsed.attachments
      .filter((a) => !a.related)
      .map((a) => ({ name: a.filename ?? '', contentType: a.contentType, size: a.size })),
  };
}
