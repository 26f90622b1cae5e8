import { messageIdsIn, type IncomingMail } from './parse-mail';

/** The header block of a mail or a part, unfolded. */
function unfold(text: string): string {
  return text.replace(/\r?\n[ \t]+/g, ' ');
}

/**
 * What a delivery status notification reports: the Message-IDs of the mail it returns (in the
 * attached original or its headers) and the receiving server's diagnostic. Read from the raw
 * text as well as from the parts the parser decoded, as reporting servers differ in how they
 * attach the original (message/rfc822, text/rfc822-headers, or inline text).
 */
export function readDeliveryReport(raw: Buffer, mail: IncomingMail): { originalIds: string[]; diagnostic: string } {
  const texts = [raw.toString('utf8'), ...mail.files.filter((f) => /^(message\/|text\/rfc822)/.test(f.contentType)).map((f) => f.content.toString('utf8'))];
  const body = unfold(texts.join('\n'));
  const ids = new Set<string>();
  for (const m of body.matchAll(/^(?:original-|x-original-)?message-id:[ \t]*(.*)$/gim)) for (const id of messageIdsIn(m[1])) ids.add(id);
  if (mail.messageId) ids.delete(mail.messageId);
  const pick = (name: string) => new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(body)?.[1]?.trim() ?? '';
  const diagnostic = [pick('Status'), pick('Diagnostic-Code') || pick('Action')].filter(Boolean).join(' ').slice(0, 1000);
  return { originalIds: [...ids].slice(0, 20), diagnostic: diagnostic || 'delivery failed (no diagnostic given)' };
}

