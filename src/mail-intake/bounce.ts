import { messageIdsIn, type IncomingMail } from './parse-mail';

/** The header block of a mail or a part, unfolded. */
function unfold(text: string): string {
  return text.replace(/\r?\n[ \t]+/g, ' ');
}

/** The address of a DSN recipient field, `rfc822; Name@Example.org` (RFC 3464), lower-cased. */
function recipientAddress(value: string): string | null {
  const address = value
    .slice(value.indexOf(';') + 1)
    .trim()
    .replace(/^<|>$/g, '')
    .toLowerCase();
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address) && address.length <= 254 ? address : null;
}

/**
 * The recipients a report says were not reached: the Final-Recipient and Original-Recipient of
 * each per-recipient block whose Action is `failed` (a block without an Action counts as failed;
 * `delayed`, `delivered`, `relayed` and `expanded` do not: a delay warning marks nothing). Null
 * when the report names no recipient at all.
 */
function failedRecipients(body: string): string[] | null {
  const found = new Set<string>();
  let named = false;
  for (const block of body.split(/\r?\n[ \t]*\r?\n/)) {
    const fields = [...block.matchAll(/^(final-recipient|original-recipient|action):[ \t]*(.*)$/gim)];
    const action = fields
      .find((f) => f[1]!.toLowerCase() === 'action')?.[2]
      ?.trim()
      .toLowerCase();
    if (fields.some((f) => f[1]!.toLowerCase() !== 'action')) named = true;
    if (action && action !== 'failed') continue;
    for (const f of fields) {
      if (f[1]!.toLowerCase() === 'action') continue;
      const address = recipientAddress(f[2]!);
      if (address) found.add(address);
    }
  }
  return named ? [...found].slice(0, 50) : null;
}

/**
 * What a delivery status notification reports: the Message-IDs of the mail it returns (in the
 * attached original or its headers), the recipients that were not reached, and the receiving
 * server's diagnostic. Read from the raw text as well as from the parts the parser decoded, as
 * reporting servers differ in how they attach the original (message/rfc822,
 * text/rfc822-headers, or inline text).
 */
export function readDeliveryReport(
  raw: Buffer,
  mail: IncomingMail,
): { originalIds: string[]; recipients: string[] | null; diagnostic: string } {
  const texts = [
    raw.toString('utf8'),
    ...mail.files.filter((f) => /^(message\/|text\/rfc822)/.test(f.contentType)).map((f) => f.content.toString('utf8')),
  ];
  const body = unfold(texts.join('\n\n'));
  const ids = new Set<string>();
  for (const m of body.matchAll(/^(?:original-|x-original-)?message-id:[ \t]*(.*)$/gim))
    for (const id of messageIdsIn(m[1])) ids.add(id);
  if (mail.messageId) ids.delete(mail.messageId);
  const pick = (name: string) => new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(body)?.[1]?.trim() ?? '';
  const diagnostic = [pick('Status'), pick('Diagnostic-Code') || pick('Action')]
    .filter(Boolean)
    .join(' ')
    .slice(0, 1000);
  return {
    originalIds: [...ids].slice(0, 20),
    recipients: failedRecipients(body),
    diagnostic: diagnostic || 'delivery failed (no diagnostic given)',
  };
}
