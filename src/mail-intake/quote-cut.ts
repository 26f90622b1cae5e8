/**
 * What a person wrote in a mail, without the history their mail client quoted below it and
 * without their signature: the part shown on the ticket. The whole mail is kept as well (the
 * raw original), so a wrong cut hides nothing for good. Top-posted replies are the rule in mail
 * from customers; interleaved quotes are left in, because there they are the context.
 */

// Our own marker in mail to customers: a line holding its ASCII token (the same in every
// language) or one of its translations (mail.replyAbove, passed in by the caller) starts the history.
import { replyMarkerToken } from '../mail/inbound';

/** "On <date>, <person> wrote:" and its kin in the UI languages and in common clients' others. */
const introVerbs = [
  'wrote',
  'writes',
  'schrieb',
  'a écrit',
  'escribió',
  'ha scritto',
  'schreef',
  'skrev',
  'kirjoitti',
  'napisał\\(a\\)',
  'napisał',
  'napisała',
  'napísal\\(a\\)',
  'napísal',
  'napísala',
  'napsal\\(a\\)',
  'napsal',
  'napsala',
  'пишет',
  'написал\\(а\\)',
  'написал',
  'написала',
  'писал',
  'ezt írta',
  'írta',
  'rakstīja',
  'escreveu',
];
const introPattern = new RegExp(`(${introVerbs.join('|')})\\s*:\\s*$`, 'i');
/** Gmail in some languages (ru) names no verb: "пт, 6 дек. 2026 г. в 10:00, Иван <ivan@example.com>:". */
const introWithAddress = /<[^<>\s@]+@[^<>\s@]+>\s*:\s*$/;

const originalMessage =
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|pôvodná správa|původní zpráva|исходное сообщение|eredeti üzenet|sākotnējā ziņa|oorspronkelijk bericht|mensaje original)\s*-{2,}\s*$/i;
const headerFrom = /^\s*\*?(from|von|de|od|от|feladó|no|van|da)\s*:\*?\s+\S/i;
const headerOther =
  /^\s*\*?(sent|date|to|subject|cc|gesendet|an|betreff|envoyé|à|objet|odoslané|komu|predmet|отправлено|кому|тема|дата|küldve|címzett|tárgy|nosūtīts|kam|tēma|datum|verzonden|aan|onderwerp)\s*:\*?/i;

const isQuote = (line: string) => /^\s*>/.test(line);
const isBlank = (line: string) => line.trim() === '';

function isIntro(lines: string[], i: number): number {
  const line = lines[i]!;
  if (line.length > 300 || isQuote(line)) return 0;
  if (introPattern.test(line) || (introWithAddress.test(line) && /\d/.test(line))) return 1;
  const next = lines[i + 1];
  // Clients wrap a long intro onto a second line.
  if (
    next !== undefined &&
    !isQuote(next) &&
    (line + ' ' + next).length <= 300 &&
    introPattern.test(`${line} ${next}`) &&
    /\d|@/.test(line + next)
  )
    return 2;
  return 0;
}

function isOutlookHeaderBlock(lines: string[], i: number): boolean {
  if (!headerFrom.test(lines[i]!)) return false;
  let others = 0;
  for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) if (headerOther.test(lines[j]!)) others++;
  return others >= 2;
}

/** Index of the first line of the quoted history or signature, or lines.length when there is none. */
function cutPoint(lines: string[], markers: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (markers.some((m) => line.includes(m))) return i;
    if (
      originalMessage.test(line) ||
      (/^\s*_{20,}\s*$/.test(line) && lines[i + 1] !== undefined && headerFrom.test(lines[i + 1]!))
    )
      return i;
    if (isOutlookHeaderBlock(lines, i)) return i;
    if (i > 0 && isIntro(lines, i)) return i;
    // "-- " on its own line starts a signature (RFC 3676); a short tail only, not half the mail.
    if (/^--\s?$/.test(line) && lines.length - i <= 20) return i;
  }
  return lines.length;
}

/** The text a person wrote above the quoted history and signature; the whole text if nothing is left. */
export function cutQuotedText(text: string, markerTranslations: string[] = []): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const markers = [replyMarkerToken, ...markerTranslations.map((m) => m.trim()).filter((m) => m.length >= 8)];
  let end = cutPoint(lines, markers);
  // A trailing block of "> " lines (with the blank lines around it) is history too.
  let last = end;
  while (last > 0 && (isQuote(lines[last - 1]!) || isBlank(lines[last - 1]!))) last--;
  if (last < end && lines.slice(last, end).some(isQuote)) end = last;
  const kept = lines
    .slice(0, end)
    .join('\n')
    .replace(/\s+$/, '')
    .replace(/^\s*\n/, '');
  return kept.trim() ? kept : text.replace(/\r\n?/g, '\n').trim();
}
