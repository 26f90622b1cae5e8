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
  /** A header's value as sent (the first one of that name, unfolded), for the loop and junk checks. */
  header(name: string): string | null;
  language: string | null;
  files: MailFile[];
  /**
   * The envelope recipients as our own mail server recorded them on delivery, lower-cased: the
   * Delivered-To / X-Original-To lines ABOVE the first Received line (the delivering server
   * prepends them last; any further down were written by the sender or an earlier hop). Never
   * To/Cc. A staff reply's signed address must be one of them (src/staff-mail); the pipe's
   * `--recipient` replaces them (importRawMail).
   */
  envelopeRecipients: string[];
  /** The Cc addresses, lower-cased, in the order written (candidate followers of a new ticket). */
  cc: string[];
};

const messageIdPattern = /<[^<>\s]{1,185}>/g;

/** Message-IDs in a header value, each with its angle brackets (as we store ours). */
export function messageIdsIn(value: unknown): string[] {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  return [...text.matchAll(messageIdPattern)].map((m) => m[0]);
}

const addressPattern = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;
const usableAddress = (address: string) => addressPattern.test(address) && address.length <= 254;

function* addressesOf(
  field: AddressObject | AddressObject[] | undefined,
): Generator<{ address: string; name: string }> {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  for (const group of list) {
    for (const a of group.value) {
      const address = (a.address ?? '').trim().toLowerCase();
      if (usableAddress(address)) yield { address, name: (a.name ?? '').trim() };
    }
  }
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null {
  for (const a of addressesOf(field)) return a;
  return null;
}

/** The addresses of a header as a list, lower-cased (mailparser has parsed them already, so even 10,000 cost little). */
const addressList = (field: AddressObject | AddressObject[] | undefined) =>
  [...addressesOf(field)].map((a) => a.address);

/** The delivery headers our mail server added on top, above every Received line: the addresses it delivered to. */
function deliveredTo(lines: ParsedMail['headerLines']): string[] {
  const found: string[] = [];
  for (const { key, line } of lines) {
    if (key === 'received') break;
    if (key !== 'delivered-to' && key !== 'x-original-to') continue;
    const address = line
      .slice(line.indexOf(':') + 1)
      .trim()
      .replace(/^<|>$/g, '')
      .toLowerCase();
    if (usableAddress(address)) found.push(address);
  }
  return found;
}

/**
 * The mail's own header lines by lower-cased name (the first of each), unfolded, as sent: the
 * loop checks read what the sender wrote, not the parser's structured view of some headers.
 */
function headerIndex(lines: ParsedMail['headerLines']): Map<string, string> {
  const index = new Map<string, string>();
  for (const { key, line } of lines) {
    const name = key.toLowerCase();
    if (!index.has(name))
      index.set(
        name,
        line
          .slice(line.indexOf(':') + 1)
          .replace(/\r?\n[ \t]+/g, ' ')
          .trim(),
      );
  }
  return index;
}

function fileOf(a: Attachment): MailFile {
  const ext = (a.contentType.split('/')[1] ?? 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 10) || 'bin';
  return {
    fileName:
      a.filename?.trim() || `${a.related || a.contentDisposition === 'inline' ? 'inline' : 'attachment'}.${ext}`,
    contentType: a.contentType,
    content: a.content,
    inline: a.contentDisposition === 'inline' || Boolean(a.related),
  };
}

function toIncoming(parsed: ParsedMail): IncomingMail {
  const headers = headerIndex(parsed.headerLines);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const language = headers.get('content-language') ?? headers.get('accept-language') ?? null;
  return {
    messageId: messageIdsIn(parsed.messageId)[0] ?? null,
    inReplyTo: messageIdsIn(parsed.inReplyTo),
    references: messageIdsIn(parsed.references),
    from: firstAddress(parsed.from),
    // eslint-disable-next-line no-control-regex
    subject: (parsed.subject ?? '')
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    text: parsed.text ?? '',
    contentType: contentType.toLowerCase(),
    header: (name) => headers.get(name.toLowerCase()) ?? null,
    language,
    files: parsed.attachments.map(fileOf),
    envelopeRecipients: deliveredTo(parsed.headerLines),
    cc: addressList(parsed.cc),
  };
}

/**
 * Parses a raw RFC 822 message with mailparser (MIME, charsets, transfer encodings). mailparser
 * copes with most damage itself (a broken boundary becomes text); what it throws on is a mail
 * nothing can be made of, and the caller keeps it aside.
 */
export async function parseMail(raw: Buffer): Promise<IncomingMail> {
  // biome-ignore lint/nursery/useAwaitThenable: Biome reads the callback overload of simpleParser; without one it returns a Promise.
  const parsed = await simpleParser(raw, {
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
    keepCidLinks: true,
  });
  return toIncoming(parsed);
}
