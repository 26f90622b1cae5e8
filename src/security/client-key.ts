import ipaddr from 'ipaddr.js';

/**
 * The key rate limits count a client by: an IPv4 address as it is, an IPv6 address by its /64
 * network (one subscriber usually gets a whole /64, so counting single addresses is no limit).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  try {
    let addr = ipaddr.parse(ip);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
      addr = (addr as ipaddr.IPv6).toIPv4Address();
    if (addr.kind() === 'ipv4') return addr.toString();
    const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
    return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
  } catch {
    return ip.slice(0, 64);
  }
}
