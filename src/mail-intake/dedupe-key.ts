import crypto from 'node:crypto';

/**
 * The key that makes a mail import once: its Message-ID when it has one (the same mail fetched
 * twice, or delivered by the MTA again after a temporary failure, carries the same one), else
 * the raw bytes themselves. SHA-256 hex, so any Message-ID fits the indexed column and MariaDB's
 * case-folding collation cannot make two different IDs one.
 */
export function dedupeKeyOf(messageId: string | null, raw: Buffer): string {
  const hash = crypto.createHash('sha256');
  if (messageId) hash.update(`mid:${messageId}`);
  else hash.update('raw:').update(raw);
  return hash.digest('hex');
}

/** Headers are read from at most this many first bytes of a mail that is not parsed whole. */
const headerBlockLimit = 64 * 1024;

/**
 * The header block of a raw mail: its first bytes up to the blank line (at most 64 KB), so a
 * mail too big to parse still shows its sender and subject, at a bounded cost.
 */
export function headerBlockOf(raw: Buffer): Buffer {
  const head = raw.subarray(0, headerBlockLimit);
  const text = head.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end >= 0 ? head.subarray(0, end) : head;
}

/**
 * The Message-ID from the header block of a raw mail, without parsing the body: for a mail too
 * big to parse, which is still kept aside exactly once.
 */
export function rawMessageId(raw: Buffer): string | null {
  const unfolded = headerBlockOf(raw)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^<>\s]{1,185}>)/im.exec(unfolded);
  return m ? m[1]! : null;
}
