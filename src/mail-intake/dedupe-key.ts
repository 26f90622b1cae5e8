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

/**
 * The Message-ID from the header block of a raw mail, without parsing the body: for a mail too
 * big to parse, which is still kept aside exactly once.
 */
export function rawMessageId(raw: Buffer): string | null {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const unfolded = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^<>\s]{1,185}>)/im.exec(unfolded);
  return m ? m[1]! : null;
}
