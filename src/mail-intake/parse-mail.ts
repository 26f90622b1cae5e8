import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';

/** One file of a mail, as the parser decoded it. */
export type MailFile = { fileName: string; contentType: string; content: Buffer; inline: boolean };

/** What the import needs from a mail, whatever its MIME shape and charsets were. */
export type IncomingMail = {
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  from: { address: string; name: string } | null;
  subject: string;
  /** Plain text of the body (HTML-only mail converted to text by the parser). */
  text: string;
  contentType: string;
  /** Lower-cased header name -> header value(s) as text, for the loop and junk checks. */
  header(name: string): string | null;
  language: string | null;
  files: MailFile[];
};

const messageIdPattern = /<[^<>\s]{1,185}>/g;

/** Message-IDs in a header value, each with its angle brackets (as we store ours). */
export function messageIdsIn(value: unknown): string[] {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  return [...text.matchAll(messageIdPattern)].map((m) => m[0]);
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  for (const group of list) {
    for (const a of group.value) {
      const address = (a.address ?? '').trim().toLowerCase();
      if (/^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/.test(address) && address.length <= 254) return { address, name: (a.name ?? '').trim() };
    }
  }
  return null;
}

function headerText(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => headerText(v) ?? '').join(', ');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { value?: unknown; text?: unknown; params?: Record<string, string> };
    if (typeof v.text === 'string') return v.text;
    if (typeof v.value === 'string') return [v.value, ...Object.entries(v.params ?? {}).map(([k, p]) => `${k}=${p}`)].join('; ');
  }
  return String(value);
}

function fileOf(a: Attachment): MailFile {
  const ext = (a.contentType.split('/')[1] ?? 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 10) || 'bin';
  return {
    fileName: a.filename?.trim() || `${a.related || a.contentDisposition === 'inline' ? 'inline' : 'attachment'}.${ext}`,
    contentType: a.contentType,
    content: a.content,
    inline: a.contentDisposition === 'inline' || Boolean(a.related),
  };
}

function toIncoming(parsed: ParsedMail): IncomingMail {
  const headers = parsed.headers;
  const contentType = headerText(headers.get('content-type')) ?? 'text/plain';
  const language = headerText(headers.get('content-language')) ?? headerText(headers.get('accept-language'));
  return {
    messageId: messageIdsIn(parsed.messageId)[0] ?? null,
    inReplyTo: messageIdsIn(parsed.inReplyTo),
    references: messageIdsIn(parsed.references),
    from: firstAddress(parsed.from),
    subject: (parsed.subject ?? '').replace(/[\r\n\t]+/g, ' ').trim(),
    text: parsed.text ?? '',
    contentType: contentType.toLowerCase(),
    header: (name) => headerText(headers.get(name.toLowerCase())),
    language,
    files: parsed.attachments.map(fileOf),
  };
}

/**
 * Parses a raw RFC 822 message with mailparser (MIME, charsets, transfer encodings). mailparser
 * copes with most damage itself (a broken boundary becomes text); what it throws on is a mail
 * nothing can be made of, and the caller keeps it aside.
 */
export async function parseMail(raw: Buffer): Promise<IncomingMail> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, keepCidLinks: true });
  return toIncoming(parsed);
}
