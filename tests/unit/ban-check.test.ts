import { ipMatches, isBanned } from '../../src/bans/ban-check';
import type { Ban } from '../../src/bans/bans.repo';

test('IPv4 and IPv6 addresses and ranges', () => {
  expect(ipMatches('203.0.113.9', '203.0.113.0/24')).toBe(true);
  expect(ipMatches('203.0.114.9', '203.0.113.0/24')).toBe(false);
  expect(ipMatches('::ffff:203.0.113.9', '203.0.113.0/24')).toBe(true);
  expect(ipMatches('203.0.113.9', '203.0.113.9')).toBe(true);
  expect(ipMatches('2001:db8::1', '2001:db8::/32')).toBe(true);
  expect(ipMatches('2001:db9::1', '2001:db8::/32')).toBe(false);
  expect(ipMatches('2001:0db8:0000::0001', '2001:db8::1')).toBe(true);
  expect(ipMatches('203.0.113.9', '2001:db8::/32')).toBe(false);
  expect(ipMatches('not an ip', '0.0.0.0/0')).toBe(false);
  expect(ipMatches('203.0.113.9', 'garbage/99')).toBe(false);
});

test('e-mail addresses, domains and subdomains', () => {
  const bans: Ban[] = [
    { kind: 'email', value: 'spammer@example.com' },
    { kind: 'domain', value: 'spam.test' },
    { kind: 'ip', value: '198.51.100.0/24' },
  ];
  expect(isBanned(bans, { email: 'Spammer@Example.com' })).toBe(true);
  expect(isBanned(bans, { email: 'other@example.com' })).toBe(false);
  expect(isBanned(bans, { email: 'a@spam.test' })).toBe(true);
  expect(isBanned(bans, { email: 'a@mail.spam.test' })).toBe(true);
  expect(isBanned(bans, { email: 'a@notspam.test' })).toBe(false);
  expect(isBanned(bans, { email: 'a@example.com', ip: '198.51.100.77' })).toBe(true);
  expect(isBanned(bans, { email: 'a@example.com', ip: '198.51.101.77' })).toBe(false);
});
