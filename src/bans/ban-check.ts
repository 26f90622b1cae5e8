import ipaddr from 'ipaddr.js';
import type { Ban } from './bans.repo';

/** Parses an address, seeing an IPv4-mapped IPv6 address (::ffff:1.2.3.4) as the IPv4 one. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    const addr = ipaddr.parse(ip.trim());
    return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
      ? (addr as ipaddr.IPv6).toIPv4Address()
      : addr;
  } catch {
    return null;
  }
}

/** An address matches a ban of one address or of a CIDR range, IPv4 or IPv6. */
export function ipMatches(ip: string, banned: string): boolean {
  const addr = parseAddress(ip);
  if (!addr) return false;
  try {
    if (banned.includes('/')) {
      const [range, bits] = ipaddr.parseCIDR(banned);
      const net =
        range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()
          ? ([(range as ipaddr.IPv6).toIPv4Address(), bits - 96] as const)
          : ([range, bits] as const);
      return addr.kind() === net[0].kind() && addr.match(net[0] as never, net[1]);
    }
    const single = parseAddress(banned);
    return (
      single !== null && single.kind() === addr.kind() && single.toNormalizedString() === addr.toNormalizedString()
    );
  } catch {
    return false;
  }
}

/** Whether a sender is banned by address, by the address's domain (or a parent), or by IP. */
export function isBanned(bans: Ban[], who: { email?: string | null; ip?: string | null }): boolean {
  const email = who.email?.trim().toLowerCase() ?? '';
  const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
  return bans.some((ban) => {
    if (ban.kind === 'email') return email !== '' && email === ban.value;
    if (ban.kind === 'domain') return domain !== '' && (domain === ban.value || domain.endsWith(`.${ban.value}`));
    return who.ip ? ipMatches(who.ip, ban.value) : false;
  });
}
