import { signTicketLink, verifyTicketLink } from '../../src/tickets/ticket-link';

const secret = 's'.repeat(40);
const now = 1_800_000_000_000;

test('a signed link opens its own ticket until it expires', () => {
  const token = signTicketLink(secret, 'ABC234DEFG', now + 3600_000);
  expect(verifyTicketLink(secret, 'ABC234DEFG', token, now)).toBe(true);
  expect(verifyTicketLink(secret, 'ABC234DEFG', token, now + 3601_000)).toBe(false);
  expect(verifyTicketLink(secret, 'ABC234DEFH', token, now)).toBe(false);
  expect(verifyTicketLink('x'.repeat(40), 'ABC234DEFG', token, now)).toBe(false);
});

test('tampered and malformed tokens are refused', () => {
  const token = signTicketLink(secret, 'ABC234DEFG', now + 3600_000);
  const [expiry, sig] = token.split('.');
  const later = (parseInt(expiry!, 36) + 100000).toString(36);
  for (const bad of [
    `${later}.${sig}`,
    `${expiry}.${sig!.slice(1)}`,
    `${expiry}.`,
    '',
    '.',
    'a.b.c',
    null,
    [token],
    { t: token },
    'z'.repeat(100),
  ]) {
    expect(verifyTicketLink(secret, 'ABC234DEFG', bad, now)).toBe(false);
  }
});
