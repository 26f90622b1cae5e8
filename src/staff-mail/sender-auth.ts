import { dkimVerify, type DkimResult, type DnsResolver } from 'mailauth/lib/dkim/verify';
import type { IncomingMail } from '../mail-intake/parse-mail';

export type { DnsResolver };

/** Whether the mail provably comes from its From address's domain, and how we know; or why not. */
export type SenderAuth = { pass: true; via: 'authentication-results' | 'dkim' } | { pass: false; detail: string };

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * The verdict of the receiving mail server, when it is the one we trust: the TOPMOST
 * Authentication-Results header (RFC 8601) — the last one added, by our own server — stamped
 * with the configured authserv-id, saying `dmarc=pass` for the From domain or `dkim=pass` with
 * `header.d` equal to it. An older one further down may be the sender's own invention.
 */
function trustedVerdict(mail: IncomingMail, authServId: string, fromDomain: string): boolean {
  const top = mail.header('authentication-results');
  if (!top) return false;
  const [id, ...results] = top.split(';').map((s) => s.trim().toLowerCase());
  if (id?.split(/\s+/)[0] !== authServId.toLowerCase()) return false;
  return results.some((r) => {
    const props = new Map([...r.matchAll(/([a-z.]+)=("[^"]*"|[^\s;]+)/g)].map((m) => [m[1]!, m[2]!.replace(/"/g, '')]));
    if (props.get('dmarc') === 'pass') return props.get('header.from') === fromDomain;
    return props.get('dkim') === 'pass' && props.get('header.d') === fromDomain;
  });
}

/**
 * A DKIM signature we check ourselves: it verifies, its domain is aligned with From (relaxed, as
 * DMARC judges it: an aligned DKIM pass is a DMARC pass), it covers the whole body (no `l=`
 * leaving room for appended text), and it covers a To or Cc line holding the signed reply
 * address, so a staff member's signed answer to one ticket cannot be re-sent to another
 * ticket's address.
 */
function dkimPasses(r: DkimResult, claimedAddress: string): boolean {
  if (r.status.result !== 'pass' || !r.status.aligned || r.status.underSized) return false;
  return (r.signingHeaders?.headers ?? []).some(
    (line) => /^(to|cc)\s*:/i.test(line) && line.toLowerCase().includes(claimedAddress),
  );
}

/**
 * Whether the mail's sender is authenticated for its From address: first the trusted
 * Authentication-Results of our receiving server (when `trustedAuthServId` is set), else our own
 * DKIM check. SPF alone never counts: it vouches for the envelope sender, not for From.
 */
export async function authenticateSender(
  raw: Buffer,
  mail: IncomingMail,
  claimedAddress: string,
  opts: { trustedAuthServId: string; resolver?: DnsResolver },
): Promise<SenderAuth> {
  const from = mail.from?.address;
  if (!from) return { pass: false, detail: 'no From address' };
  const fromDomain = domainOf(from);
  if (opts.trustedAuthServId && trustedVerdict(mail, opts.trustedAuthServId, fromDomain))
    return { pass: true, via: 'authentication-results' };
  const verified = await dkimVerify(raw, { resolver: opts.resolver, minBitLength: 1024 });
  if (verified.headerFrom.length !== 1 || verified.headerFrom[0]!.toLowerCase() !== from)
    return { pass: false, detail: 'not exactly one From address' };
  if (verified.results.some((r) => dkimPasses(r, claimedAddress))) return { pass: true, via: 'dkim' };
  const seen = verified.results
    .map((r) => `${r.signingDomain || '?'}: ${r.status.result}${r.status.aligned ? '' : ' (not aligned)'}`)
    .join(', ');
  return {
    pass: false,
    detail: seen
      ? `no DKIM signature of ${fromDomain} that passes and covers the reply address (${seen})`
      : 'no DKIM signature',
  };
}
